/*
 * mcp_resources.c - table schemas as resources.  URIs are matched
 * exactly against the fixed table list; nothing in a URI reaches a path
 * or a query.
 */
#include "common/kv.h"
#include "mcp/mcp_resources.h"
#include "mcp/mcp_data.h"
#include "mcp/mcp_sandbox.h"
#include "source/catalog.h"

json_t *mcp_resources_list(struct mcp_server *s)
{
    int n;
    const struct catalog_table *t = catalog_tables(&n);
    json_t *arr = json_array();

    (void)s;
    for (int i = 0; i < n; i++) {
        char uri[128];
        char title[128];

        snprintf(uri, sizeof(uri), "%s%s", MCP_SCHEMA_URI, t[i].name);
        snprintf(title, sizeof(title), "Schema of %s", t[i].name);
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:s}",
                              "uri", uri, "name", t[i].name, "title",
                              title, "description", "columns, types, "
                              "primary key, row count and last sync",
                              "mimeType", "application/json"));
    }
    return json_pack("{s:o}", "resources", arr);
}

json_t *mcp_resources_templates(void)
{
    return json_pack("{s:[{s:s, s:s, s:s, s:s}]}", "resourceTemplates",
                     "uriTemplate", MCP_SCHEMA_URI "{table}", "name",
                     "table-schema", "description", "the schema of one "
                     "table: campaigns, campaigns_actions or newsletters",
                     "mimeType", "application/json");
}

int mcp_resources_read(struct mcp_server *s, const char *uri,
                       json_t **result, struct kv_err *err)
{
    size_t n = strlen(MCP_SCHEMA_URI);
    json_t *body = NULL;
    char *text;
    int rc;

    if (strncmp(uri, MCP_SCHEMA_URI, n) ||
        !mcp_sandbox_is_dataset_table(uri + n))
        return KV_ENOENT;
    rc = mcp_data_describe(s, uri + n, 0, &body, err);
    if (rc == KV_ENOENT)
        rc = KV_EFAIL; /* a known table not synced yet is no 404 */
    if (rc)
        return rc;
    text = json_dumps(body, JSON_COMPACT);
    *result = json_pack("{s:[{s:s, s:s, s:s}]}", "contents", "uri", uri,
                        "mimeType", "application/json", "text",
                        text ? text : "{}");
    free(text);
    json_decref(body);
    return KV_OK;
}
