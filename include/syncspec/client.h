/*
 * syncspec/client.h: what a device app includes, with libsyncspec-client (pkg-config
 * syncspec-client; no libpq): the table descriptors and values of generated code, rows, the
 * SQLite store, the download through the PowerSync protocol and the HTTP transport. Nothing
 * of the server side, and no jansson (syncspec/json.h adds the jansson helpers).
 */
#ifndef SYNCSPEC_CLIENT_H
#define SYNCSPEC_CLIENT_H

#include "syncspec/download.h"
#include "syncspec/error.h"
#include "syncspec/http.h"
#include "syncspec/model.h"
#include "syncspec/row.h"
#include "syncspec/store.h"
#include "syncspec/value.h"

#endif
