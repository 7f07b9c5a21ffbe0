// conformance.js - Google's own Node client for BigQuery against
// kaivo-fake-bq: what the official client sends, the fake must accept
// and answer in a shape the client understands.  A failure here means the
// fake is stricter or looser than BigQuery where a real client notices.
// usage: node conformance.js FAKE_URL SERVICE_ACCOUNT_JSON
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const {BigQuery} = require('@google-cloud/bigquery');
const {OAuth2Client} = require('google-auth-library');

const [fakeUrl, keyFile] = process.argv.slice(2);
const key = JSON.parse(fs.readFileSync(keyFile, 'utf8'));
const b64 = (b) => Buffer.from(b).toString('base64url');

// A token from the fake's /token, with a JWT we sign here (RS256).
async function token() {
  const now = Math.floor(Date.now() / 1000);
  const head = b64(JSON.stringify({alg: 'RS256', typ: 'JWT'}));
  const claims = b64(JSON.stringify({
    iss: key.client_email, aud: key.token_uri, iat: now, exp: now + 3600,
    scope: 'https://www.googleapis.com/auth/bigquery'}));
  const sig = crypto.sign('RSA-SHA256', Buffer.from(head + '.' + claims),
                          key.private_key);
  const body = new URLSearchParams({
    grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
    assertion: head + '.' + claims + '.' + b64(sig)});
  const r = await fetch(key.token_uri, {method: 'POST', body});
  if (r.status !== 200) throw new Error('token: HTTP ' + r.status);
  return (await r.json()).access_token;
}

function check(cond, what) {
  if (!cond) throw new Error('check failed: ' + what);
  console.log('ok - ' + what);
}

async function main() {
  const auth = new OAuth2Client();
  auth.setCredentials({access_token: await token(),
                       expiry_date: Date.now() + 3000 * 1000});
  // No client-wide location: with one, table.load(file) copies it into
  // configuration.load, a field the discovery document does not define and
  // the fake refuses (whether BigQuery's upload endpoint tolerates it is
  // not known here).
  const bq = new BigQuery({projectId: key.project_id, apiEndpoint: fakeUrl,
                           authClient: auth});
  const [ds] = await bq.createDataset('conf', {location: 'US'});
  check(ds.id === 'conf', 'datasets.insert');
  const schema = [
    {name: 'id', type: 'INT64'}, {name: 'name', type: 'STRING'},
    {name: 'ok', type: 'BOOL'}, {name: 'at', type: 'TIMESTAMP'},
    {name: 'doc', type: 'JSON'}];
  const [table] = await ds.createTable('t', {schema});
  check(table.id === 't', 'tables.insert');
  const [meta] = await table.getMetadata();
  check(meta.schema.fields.length === 5, 'tables.get schema');
  const [tables] = await ds.getTables();
  check(tables.some((t) => t.id === 't'), 'tables.list');

  const file = path.join(os.tmpdir(), 'kaivo-conf-' + process.pid + '.json');
  fs.writeFileSync(file, [
    {id: 1, name: 'a', ok: true, at: '2024-01-02T03:04:05Z', doc: {x: 1}},
    {id: 2, name: 'b', ok: false, at: '2024-01-02T03:04:06Z', doc: [1]},
  ].map((r) => JSON.stringify(r)).join('\n') + '\n');
  // a handle without a location, as Google's samples load: a dataset
  // object that knows its location makes the client copy it into
  // configuration.load, which the fake refuses (see above)
  const [job] = await bq.dataset('conf').table('t').load(file, {
    sourceFormat: 'NEWLINE_DELIMITED_JSON', writeDisposition: 'WRITE_APPEND'});
  fs.unlinkSync(file);
  check(job.status.state === 'DONE' && !job.status.errorResult,
        'load job (resumable upload) DONE without error');

  // jobs.insert + getQueryResults, the path Kaivo takes (the fake has no
  // jobs.query, which bq.query() would call)
  const [qjob] = await bq.createQueryJob({
    query: 'SELECT id, name FROM `' + key.project_id + '.conf.t` ' +
           'ORDER BY id', useLegacySql: false});
  const [rows] = await qjob.getQueryResults();
  check(rows.length === 2 && rows[0].name === 'a', 'query rows');

  await table.setMetadata({schema: {fields: schema.concat(
    [{name: 'extra', type: 'STRING'}])}});
  const [meta2] = await table.getMetadata();
  check(meta2.schema.fields.length === 6, 'tables.patch adds a column');

  let refused = false;
  try {
    await table.setMetadata({schema: {fields: schema.slice(1)}});
  } catch (e) {
    refused = /missing in new schema/.test(e.message);
  }
  check(refused, 'tables.patch dropping a column is refused');

  await table.delete();
  await ds.delete({force: true});
  const [exists] = await ds.exists();
  check(!exists, 'datasets.delete');
}

main().catch((e) => {
  console.error('FAIL: ' + (e && e.stack ? e.stack : e));
  process.exit(1);
});
