#!/usr/bin/env node
// The vendor-shaped copies of a bench data set's flat events.jsonl, for the ingest rows of
// docs/benchmarks.md: mixpanel.jsonl (Mixpanel's raw export: {"event", "properties": {"time" in
// epoch seconds, "distinct_id", "$insert_id", "company_id", ...}}) and segment.jsonl.gz (Segment
// track calls with context.groupId, gzipped as Segment's S3 archive is).
//
//   node bench/vendor-files.mjs build/bench-data/1M
import { createReadStream, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createGzip } from 'node:zlib';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: node bench/vendor-files.mjs DIR (holding events.jsonl)\n');
  process.exit(2);
}
const mixpanel = createWriteStream(join(dir, 'mixpanel.jsonl'));
const gzip = createGzip({ level: 6 });
gzip.pipe(createWriteStream(join(dir, 'segment.jsonl.gz')));
const write = async (stream, text) => {
  if (!stream.write(text)) await new Promise((resolve) => stream.once('drain', resolve));
};
for await (const line of createInterface({ input: createReadStream(join(dir, 'events.jsonl')), crlfDelay: Infinity })) {
  if (!line) continue;
  const e = JSON.parse(line);
  const ms = typeof e.timestamp === 'number' ? e.timestamp : Date.parse(e.timestamp);
  const props = {
    time: ms / 1000,
    distinct_id: e.user_id,
    $insert_id: e.id,
    ...(e.account_id ? { company_id: e.account_id } : {}),
    ...e.properties,
  };
  await write(mixpanel, JSON.stringify({ event: e.event, properties: props }) + '\n');
  const call = {
    type: 'track',
    messageId: e.id,
    userId: e.user_id,
    timestamp: new Date(ms).toISOString(),
    event: e.event,
    properties: e.properties ?? {},
    ...(e.account_id ? { context: { groupId: e.account_id } } : {}),
  };
  await write(gzip, JSON.stringify(call) + '\n');
}
await new Promise((resolve) => mixpanel.end(resolve));
await new Promise((resolve) => gzip.end(resolve));
