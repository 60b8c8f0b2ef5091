//! How stored values decode into the records rows are read as (`#[derive(sqlx::FromRow)]`
//! structs next to their queries).
//!
//! Yes/no columns are INTEGER 0/1 on both databases, and sqlx's `Any` driver decodes no
//! integer as `bool`: a record's `bool` field reads one through [`YesNo`]. Text columns
//! holding an enum read through the enum's `TryFrom<String>` (`#[sqlx(try_from =
//! "String")]`), which refuses a value it does not know ("unexpected … in the database").

use sqlx::any::{AnyTypeInfo, AnyValueRef};
use sqlx::error::BoxDynError;
use sqlx::{Any, Decode, Type};

/// A yes/no column: 1 is yes, anything else no. A record's field reads one as
/// `#[sqlx(try_from = "YesNo")] name: bool`; a nullable one as `Option<YesNo>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct YesNo(pub bool);

impl From<YesNo> for bool {
    fn from(value: YesNo) -> bool {
        value.0
    }
}

impl Type<Any> for YesNo {
    fn type_info() -> AnyTypeInfo {
        <i64 as Type<Any>>::type_info()
    }

    fn compatible(ty: &AnyTypeInfo) -> bool {
        <i64 as Type<Any>>::compatible(ty)
    }
}

impl<'r> Decode<'r, Any> for YesNo {
    fn decode(value: AnyValueRef<'r>) -> Result<YesNo, BoxDynError> {
        Ok(YesNo(<i64 as Decode<'r, Any>>::decode(value)? == 1))
    }
}

#[cfg(test)]
mod tests {
    use super::YesNo;
    use crate::server::db::Db;

    #[derive(sqlx::FromRow)]
    struct Flags {
        #[sqlx(try_from = "YesNo")]
        yes: bool,
        #[sqlx(try_from = "YesNo")]
        no: bool,
        unknown: Option<YesNo>,
    }

    #[tokio::test]
    async fn yes_no_columns_read_as_bools_and_refuse_text() {
        let db = Db::connect("sqlite::memory:", 1).await.unwrap();
        let flags: Flags = sqlx::query_as("SELECT 1 AS yes, 0 AS no, NULL AS unknown")
            .fetch_one(&db.pool)
            .await
            .unwrap();
        assert!(flags.yes);
        assert!(!flags.no);
        assert_eq!(flags.unknown, None);
        let text = sqlx::query_scalar::<_, YesNo>("SELECT 'yes'")
            .fetch_one(&db.pool)
            .await;
        assert!(text.is_err());
    }
}
