/*
 * dest.c - what every destination shares.
 */
#include "common/kv.h"
#include "dest/dest.h"

void dest_close(struct dest *d)
{
    if (d)
        d->ops->close(d);
}
