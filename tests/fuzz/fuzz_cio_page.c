/*
 * fuzz_cio_page.c - libFuzzer target for the Customer.io page parser and
 * the error-text extractor.  Build (from the repository root):
 *   clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -Isrc \
 *     tests/fuzz/fuzz_cio_page.c src/source/cio_page.c src/common/err.c \
 *     src/common/mem.c $(pkg-config --cflags --libs json-c) \
 *     -o build/fuzz_cio_page
 * and run: build/fuzz_cio_page tests/fuzz/corpus/cio_page
 */
#include "common/kv.h"
#include "source/cio_page.h"

#include <json-c/json.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Checks what the parser promises about a page it accepted. */
static void check_page(const struct cio_page *page)
{
    size_t n;

    if (!json_object_is_type(page->root, json_type_object) ||
        !json_object_is_type(page->items, json_type_array))
        __builtin_trap();
    n = json_object_array_length(page->items);
    for (size_t i = 0; i < n; i++) {
        struct json_object *item = json_object_array_get_idx(page->items, i);

        if (!json_object_is_type(item, json_type_object))
            __builtin_trap();
    }
    if (page->next && !page->next[0])
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const enum cio_list lists[] = {
        CIO_CAMPAIGNS, CIO_ACTIONS, CIO_NEWSLETTERS,
    };
    const char *body = (const char *)data;
    char text[64];

    for (size_t i = 0; i < KV_ARRAY_LEN(lists); i++) {
        struct cio_page page;
        struct kv_err err;
        int rc = cio_page_parse(lists[i], body, size, &page, &err);

        if (rc == KV_OK)
            check_page(&page);
        else if (rc != KV_EMALFORMED || !err.msg[0])
            __builtin_trap();
        cio_page_release(&page);
    }
    /* a small buffer exercises the cut on a UTF-8 boundary */
    cio_page_error_text(body, size, text, sizeof(text));
    if (strlen(text) >= sizeof(text))
        __builtin_trap();
    return 0;
}
