// Spark, BigQuery and Snowflake have no engine here: their SQL is parsed with node-sql-parser
// (database 'hive' for Spark SQL, 'bigquery', 'snowflake') and compared with golden files, as
// are the DuckDB and PostgreSQL texts (which the other suites also run).
// UPDATE_GOLDEN=1 node --test tests/sql/dialects.test.mjs rewrites tests/sql/golden/*.sql.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pkg from 'node-sql-parser';
import { compile, requireBuilt } from './lib.mjs';
import { HOSTILE_EVENT } from './cases.mjs';

const { Parser } = pkg;
const GOLDEN = 'tests/sql/golden';
const DIALECTS = ['duckdb', 'postgres', 'spark', 'bigquery', 'snowflake'];
const PARSER_DATABASE = { spark: 'hive', bigquery: 'bigquery', snowflake: 'snowflake' };
const MODELS = {
  'kitchen-sink': join(GOLDEN, 'kitchen-sink.model.json'),
  sample: 'examples/sample/model.json',
  'user-entity': 'tests/conformance/07-user-entity/model.json',
};
// The BigQuery golden also shows dotted table names and renamed columns.
const EXTRA = {
  bigquery: [
    '--events-table',
    'my-project.analytics.pql_events',
    '--accounts-table',
    'my-project.analytics.pql_accounts',
    '--users-table',
    'my-project.analytics.pql_users',
    '--column',
    'trait.employees=employee_count',
  ],
};

for (const [name, modelFile] of Object.entries(MODELS)) {
  for (const dialect of DIALECTS) {
    test(`${name} in ${dialect} matches ${GOLDEN}/${name}.${dialect}.sql`, () => {
      requireBuilt();
      const sql = compile(modelFile, dialect, EXTRA[dialect] ?? []);
      const file = join(GOLDEN, `${name}.${dialect}.sql`);
      if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) writeFileSync(file, sql);
      assert.equal(sql, readFileSync(file, 'utf8'), `${file} differs: check the change, then UPDATE_GOLDEN=1`);
    });
  }
}

for (const [dialect, database] of Object.entries(PARSER_DATABASE)) {
  test(`every golden model parses as ONE SELECT in ${dialect} (node-sql-parser database '${database}')`, () => {
    requireBuilt();
    const parser = new Parser();
    for (const [name, modelFile] of Object.entries(MODELS)) {
      const sql = compile(modelFile, dialect, EXTRA[dialect] ?? []);
      let ast;
      try {
        ast = parser.astify(sql, { database });
      } catch (e) {
        const line = e.location ? sql.split('\n')[e.location.start.line - 1] : '';
        assert.fail(`${name} (${dialect}) does not parse: ${e.message.slice(0, 300)}\n  at: ${line}`);
      }
      const statements = Array.isArray(ast) ? ast : [ast];
      assert.equal(statements.length, 1, `${name}: one statement`);
      assert.equal(statements[0].type, 'select', `${name}: a SELECT`);
      // Only reads, only from the contract tables (the hostile names stayed inside literals).
      const tables = parser.tableList(sql, { database }).map((t) => t.split('::'));
      for (const [op, , table] of tables) {
        assert.equal(op, 'select', `${name}: ${op} on ${table}`);
      }
      const ctes = new Set([...sql.matchAll(/^(\w+) AS \(/gm)].map((m) => m[1]));
      const read = new Set(tables.map(([, , t]) => t).filter((t) => !ctes.has(t)));
      const entity = name === 'user-entity' ? 'users' : 'accounts';
      const want = dialect === 'bigquery' ? ['pql_events', `pql_${entity}`] : ['events', entity];
      assert.deepEqual([...read].sort(), want.sort(), `${name}: the tables it reads`);
    }
  });
}

test('a hostile event name stays one string literal in every dialect', () => {
  requireBuilt();
  const escaped = {
    duckdb: "'x''); DROP TABLE events; --'",
    postgres: "'x''); DROP TABLE events; --'",
    spark: "'x\\'); DROP TABLE events; --'",
    bigquery: "'x\\'); DROP TABLE events; --'",
    snowflake: "'x\\'); DROP TABLE events; --'",
  };
  for (const dialect of DIALECTS) {
    const sql = compile(MODELS['kitchen-sink'], dialect);
    assert.ok(sql.includes(escaped[dialect]), `${dialect}: ${escaped[dialect]}`);
    // Outside string literals and comments, no statement separator.
    const code = sql.replace(/'(?:[^'\\]|\\.|'')*'/g, "''").replace(/--[^\n]*/g, '');
    assert.ok(!code.includes(';'), `${dialect}: a ';' outside literals`);
    assert.ok(!sql.includes(HOSTILE_EVENT + '\n'), dialect);
  }
});
