/*
 * syncspec.h: the public header of libsyncspec, the runtime that generated code and
 * applications link. Include this one header for everything (libsyncspec); a device app
 * may include syncspec/client.h instead (libsyncspec-client, no libpq), a server
 * syncspec/server.h (libsyncspec-server).
 */
#ifndef SYNCSPEC_H
#define SYNCSPEC_H

#define SYNCSPEC_VERSION "0.1.0"

#include "syncspec/download.h"
#include "syncspec/error.h"
#include "syncspec/http.h"
#include "syncspec/json.h"
#include "syncspec/model.h"
#include "syncspec/protocol.h"
#include "syncspec/row.h"
#include "syncspec/sanitize.h"
#include "syncspec/server.h"
#include "syncspec/store.h"
#include "syncspec/value.h"

#endif
