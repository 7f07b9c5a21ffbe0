/*
 * utf8.h - checking that bytes are well-formed UTF-8 (RFC 3629): no
 * overlong forms, no surrogates (U+D800..U+DFFF), nothing past U+10FFFF.
 * json-c's own check lets all three through, and they would land in a
 * warehouse as text that is not text.
 */
#ifndef KV_UTF8_H
#define KV_UTF8_H

#include "common/kv.h"

/*
 * Whether s[0 .. len) is well-formed UTF-8.  When not, *bad (if non-NULL)
 * is the offset of the first byte of the first bad sequence.
 */
bool kv_utf8_valid(const char *s, size_t len, size_t *bad);

#endif
