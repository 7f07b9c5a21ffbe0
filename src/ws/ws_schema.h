/*
 * ws_schema.h - the tables of the workspace state database, created at
 * `kaivo init` and upgraded in place when a newer Kaivo opens an older
 * workspace (PRAGMA user_version counts the versions).
 */
#ifndef KV_WS_SCHEMA_H
#define KV_WS_SCHEMA_H

#include "ws/ws.h"

int ws_schema_create(struct ws *ws, struct kv_err *err);
int ws_schema_upgrade(struct ws *ws, struct kv_err *err);

#endif
