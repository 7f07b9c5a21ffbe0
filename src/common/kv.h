/*
 * kv.h - the setup header: included first by every .c file of Kaivo.
 * Feature macros, the standard includes every module uses, and the
 * attribute macros.  Nothing else belongs here.
 */
#ifndef KV_H
#define KV_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KV_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define KV_NORETURN __attribute__((noreturn))
#define KV_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
