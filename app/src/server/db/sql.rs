//! The one query builder: SQL assembled from optional parts, with `$n` placeholders
//! numbered as values are bound (sqlx's `QueryBuilder` writes `?` for the `Any` driver,
//! which PostgreSQL refuses; `$n` is valid on both databases). Only fixed SQL is pushed as
//! text; everything that came from a person is bound.

use sqlx::any::AnyArguments;
use sqlx::Any;

/// A value bound into an [`Sql`] query.
enum Value {
    Int(i64),
    Text(String),
}

#[derive(Default)]
pub struct Sql {
    text: String,
    values: Vec<Value>,
}

impl Sql {
    /// A query starting with `text`.
    pub fn new(text: &str) -> Sql {
        Sql {
            text: text.to_string(),
            values: Vec::new(),
        }
    }

    pub fn push(&mut self, text: &str) -> &mut Sql {
        self.text.push_str(text);
        self
    }

    /// Binds a number and returns its placeholder, to be written where it is needed (one
    /// value may be used in several places).
    pub fn int(&mut self, value: i64) -> String {
        self.bind(Value::Int(value))
    }

    /// Binds a text and returns its placeholder.
    pub fn text(&mut self, value: impl Into<String>) -> String {
        self.bind(Value::Text(value.into()))
    }

    /// Binds a number and appends its placeholder.
    pub fn push_int(&mut self, value: i64) -> &mut Sql {
        let placeholder = self.int(value);
        self.push(&placeholder)
    }

    /// Binds a text and appends its placeholder.
    pub fn push_text(&mut self, value: impl Into<String>) -> &mut Sql {
        let placeholder = self.text(value);
        self.push(&placeholder)
    }

    fn bind(&mut self, value: Value) -> String {
        self.values.push(value);
        format!("${}", self.values.len())
    }

    /// The SQL written so far, for a test or a log line (the values are not in it).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn query(&self) -> sqlx::query::Query<'_, Any, AnyArguments<'_>> {
        let mut query = sqlx::query(&self.text);
        for value in &self.values {
            query = match value {
                Value::Int(value) => query.bind(*value),
                Value::Text(value) => query.bind(value.as_str()),
            };
        }
        query
    }
}

#[cfg(test)]
mod tests {
    use super::Sql;

    #[test]
    fn placeholders_are_numbered_in_the_order_values_are_bound() {
        let mut sql = Sql::new("SELECT 1 WHERE a = ");
        sql.push_int(5).push(" AND b = ");
        let b = sql.text("x");
        sql.push(&b).push(&format!(" AND c = {b}"));
        assert_eq!(sql.as_str(), "SELECT 1 WHERE a = $1 AND b = $2 AND c = $2");
    }
}
