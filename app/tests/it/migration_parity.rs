//! The two migration trees (`app/migrations/sqlite`, `app/migrations/postgres`) must build
//! the same schema: the same tables, the same columns (same kind of value, same nullability)
//! and the same indexes (same columns in the same order, same uniqueness, same partial-ness),
//! read back from each database's own catalogue after migrating a fresh database.
//!
//! Only the ways full-text search is built differ, and they are listed here by name: SQLite
//! keeps an FTS5 table (`message_search`, with its shadow tables), PostgreSQL keeps `tsvector`
//! columns with GIN indexes. Anything else that differs fails the test with the difference.

use app::server::db::Db;
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet};

/// A column as both databases can describe it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Column {
    table: String,
    name: String,
    kind: &'static str,
    not_null: bool,
}

/// An index by what it does, not by its name (SQLite names unique constraints itself).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Index {
    table: String,
    columns: Vec<String>,
    unique: bool,
    partial: bool,
}

#[derive(Debug, Default)]
struct Schema {
    tables: BTreeSet<String>,
    columns: BTreeSet<Column>,
    indexes: BTreeSet<Index>,
}

impl Schema {
    /// Indexes as SQLite keeps them: a table whose key is one integer column (its row id)
    /// orders every non-unique index by that column last, as if it were written, so an
    /// index on `(at)` there is one on `(at, id)`. Written out on both sides, the two
    /// databases' indexes compare by what they can answer.
    fn ordered_by_row_id(&self, row_ids: &BTreeMap<String, String>) -> BTreeSet<Index> {
        self.indexes
            .iter()
            .cloned()
            .map(|mut index| {
                if let Some(id) = row_ids.get(&index.table) {
                    if !index.unique && index.columns.last() != Some(id) {
                        index.columns.push(id.clone());
                    }
                }
                index
            })
            .collect()
    }
}

/// Full-text search, built differently on purpose (see the module comment).
const SQLITE_ONLY_TABLE_PREFIX: &str = "message_search";
const POSTGRES_ONLY_COLUMNS: [(&str, &str); 2] =
    [("messages", "body_search"), ("threads", "subject_search")];

/// The kind of value a declared type holds, in words both databases share.
fn kind(declared: &str) -> &'static str {
    let declared = declared.to_ascii_lowercase();
    if declared.contains("int") || declared == "boolean" {
        "integer"
    } else if declared.contains("char") || declared.contains("text") {
        "text"
    } else if declared.contains("blob") || declared.contains("bytea") {
        "bytes"
    } else if declared.contains("real") || declared.contains("double") || declared == "numeric" {
        "number"
    } else if declared.contains("tsvector") {
        "search"
    } else {
        panic!("a column type the parity test does not know: {declared}")
    }
}

/// Each SQLite table whose key is its row id (`id INTEGER PRIMARY KEY`), with that column.
async fn sqlite_row_ids(db: &Db) -> BTreeMap<String, String> {
    let rows = sqlx::query(
        "SELECT m.name AS table_name, p.name AS column_name FROM sqlite_master m \
         JOIN pragma_table_info(m.name) p ON p.pk = 1 \
         WHERE m.type = 'table' AND UPPER(p.type) = 'INTEGER' \
         AND NOT EXISTS (SELECT 1 FROM pragma_table_info(m.name) q WHERE q.pk > 1)",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    rows.iter()
        .map(|row| (row.get("table_name"), row.get("column_name")))
        .collect()
}

async fn sqlite_schema(db: &Db) -> Schema {
    let mut schema = Schema::default();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations' ORDER BY name",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    for table in tables {
        if table.starts_with(SQLITE_ONLY_TABLE_PREFIX) {
            continue;
        }
        let columns = sqlx::query(
            "SELECT name, type, \"notnull\" AS not_null, pk FROM pragma_table_info($1)",
        )
        .bind(&table)
        .fetch_all(&db.pool)
        .await
        .unwrap();
        for column in columns {
            let declared: String = column.get("type");
            // A primary key column is never null, whether or not SQLite was told so.
            let not_null = column.get::<i64, _>("not_null") == 1 || column.get::<i64, _>("pk") > 0;
            schema.columns.insert(Column {
                table: table.clone(),
                name: column.get("name"),
                kind: kind(&declared),
                not_null,
            });
        }
        let indexes = sqlx::query(
            "SELECT name, \"unique\" AS is_unique, origin, partial FROM pragma_index_list($1)",
        )
        .bind(&table)
        .fetch_all(&db.pool)
        .await
        .unwrap();
        for index in indexes {
            let origin: String = index.get("origin");
            if origin == "pk" {
                continue;
            }
            let name: String = index.get("name");
            let columns: Vec<String> = sqlx::query_scalar(
                "SELECT COALESCE(name, 'expression') FROM pragma_index_info($1) ORDER BY seqno",
            )
            .bind(&name)
            .fetch_all(&db.pool)
            .await
            .unwrap();
            schema.indexes.insert(Index {
                table: table.clone(),
                columns,
                unique: index.get::<i64, _>("is_unique") == 1,
                partial: index.get::<i64, _>("partial") == 1,
            });
        }
        schema.tables.insert(table);
    }
    schema
}

async fn postgres_schema(db: &Db) -> Schema {
    let mut schema = Schema::default();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE' \
         AND table_name <> '_sqlx_migrations' ORDER BY table_name",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    schema.tables = tables.into_iter().collect();
    let columns = sqlx::query(
        "SELECT table_name::text AS table_name, column_name::text AS column_name, \
         data_type::text AS data_type, is_nullable::text AS is_nullable \
         FROM information_schema.columns WHERE table_schema = 'public' \
         AND table_name <> '_sqlx_migrations'",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    for column in columns {
        let table: String = column.get("table_name");
        let name: String = column.get("column_name");
        if POSTGRES_ONLY_COLUMNS.contains(&(table.as_str(), name.as_str())) {
            continue;
        }
        let declared: String = column.get("data_type");
        schema.columns.insert(Column {
            table,
            name,
            kind: kind(&declared),
            not_null: column.get::<String, _>("is_nullable") == "NO",
        });
    }
    // Each index's key columns in order (an expression counts as `expression`).
    let indexes = sqlx::query(
        "SELECT t.relname::text AS table_name, i.relname::text AS index_name, \
         CASE WHEN x.indisunique THEN 1 ELSE 0 END AS is_unique, \
         CASE WHEN x.indpred IS NULL THEN 0 ELSE 1 END AS partial, \
         array_to_string(ARRAY( \
             SELECT COALESCE(a.attname::text, 'expression') \
             FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, n) \
             LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum \
             ORDER BY k.n), ',') AS columns \
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid \
         JOIN pg_class t ON t.oid = x.indrelid \
         JOIN pg_namespace ns ON ns.oid = t.relnamespace \
         WHERE ns.nspname = 'public' AND NOT x.indisprimary \
         AND t.relname <> '_sqlx_migrations'",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    for index in indexes {
        let columns: String = index.get("columns");
        let columns: Vec<String> = columns.split(',').map(str::to_string).collect();
        let table: String = index.get("table_name");
        if columns
            .iter()
            .any(|column| POSTGRES_ONLY_COLUMNS.contains(&(table.as_str(), column.as_str())))
        {
            continue;
        }
        schema.indexes.insert(Index {
            table,
            columns,
            unique: index.get::<i32, _>("is_unique") == 1,
            partial: index.get::<i32, _>("partial") == 1,
        });
    }
    schema
}

/// What one set has that the other lacks, both ways, for a failure message.
fn differences<T: Ord + std::fmt::Debug>(sqlite: &BTreeSet<T>, postgres: &BTreeSet<T>) -> String {
    let only_sqlite: Vec<_> = sqlite.difference(postgres).collect();
    let only_postgres: Vec<_> = postgres.difference(sqlite).collect();
    format!("only on SQLite: {only_sqlite:#?}\nonly on PostgreSQL: {only_postgres:#?}")
}

#[tokio::test]
async fn both_migration_trees_build_the_same_schema() {
    let sqlite = crate::common::fresh_sqlite().await;
    let postgres = crate::common::fresh_postgres().await;
    let lite = sqlite_schema(&sqlite.db).await;
    let row_ids = sqlite_row_ids(&sqlite.db).await;
    let pg = postgres_schema(&postgres.db).await;
    sqlite.finish().await;
    postgres.finish().await;

    assert!(
        lite.tables.len() > 20,
        "the schema was read: {:?}",
        lite.tables
    );
    assert!(
        lite.tables == pg.tables,
        "{}",
        differences(&lite.tables, &pg.tables)
    );
    assert!(
        lite.columns == pg.columns,
        "{}",
        differences(&lite.columns, &pg.columns)
    );
    assert!(row_ids.contains_key("audit_events"), "row ids were read");
    let (lite_indexes, pg_indexes) = (
        lite.ordered_by_row_id(&row_ids),
        pg.ordered_by_row_id(&row_ids),
    );
    assert!(
        lite_indexes == pg_indexes,
        "{}",
        differences(&lite_indexes, &pg_indexes)
    );
}
