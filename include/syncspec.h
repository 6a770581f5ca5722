/*
 * syncspec.h: the public header of libsyncspec, the runtime that generated code and
 * applications link. Include this one header; the parts below are split by concern.
 */
#ifndef SYNCSPEC_H
#define SYNCSPEC_H

#define SYNCSPEC_VERSION "0.1.0"

#include "syncspec/model.h"
#include "syncspec/value.h"
#include "syncspec/sanitize.h"
#include "syncspec/row.h"
#include "syncspec/store.h"
#include "syncspec/download.h"
#include "syncspec/http.h"
#include "syncspec/server.h"
#include "syncspec/feed.h"
#include "syncspec/protocol.h"

#endif
