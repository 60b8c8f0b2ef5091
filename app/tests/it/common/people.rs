//! Look-ups in the demo data and inputs that several feature modules use alike.

use app::auth::{Role, SignedInUser};
use app::messages::Reply;
use app::server::access::{trusted, AdminCapability};
use app::server::db::Db;
use app::server::{sign_in_guard, users};

/// A seeded person, as the sign-in finds them.
pub async fn user(db: &Db, email: &str) -> SignedInUser {
    users::credentials_by_email(&db.pool, email)
        .await
        .unwrap()
        .expect("demo user")
        .user
}

/// A care team's id, by its name.
pub async fn team_id(db: &Db, name: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM care_teams WHERE name = $1")
        .bind(name)
        .fetch_one(&db.pool)
        .await
        .unwrap()
}

/// One number from the database (`SELECT COUNT(*) …`).
pub async fn count(db: &Db, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&db.pool).await.unwrap()
}

/// One number from the database, for the id bound as `$1`.
pub async fn count_for(db: &Db, sql: &str, id: i64) -> i64 {
    sqlx::query_scalar(sql)
        .bind(id)
        .fetch_one(&db.pool)
        .await
        .unwrap()
}

/// Riley, the demo administrator (id 1), as the administrator capability.
pub fn admin() -> AdminCapability {
    trusted::admin(SignedInUser {
        id: 1,
        name: "Riley Admin".into(),
        email: "admin@example.com".into(),
        role: Role::Administrator,
        time_zone: "America/New_York".into(),
    })
    .unwrap()
}

/// A reply with its own client key.
pub fn reply(body: &str) -> Reply {
    Reply {
        body: body.to_string(),
        client_key: uuid::Uuid::new_v4().to_string(),
    }
}

/// `times` wrong guesses at `email`'s password or code from `ip`, counted by the sign-in
/// limits as a real wrong guess is.
pub async fn record_failures(db: &Db, email: &str, ip: &str, times: i64) {
    for _ in 0..times {
        let (guess, _) = sign_in_guard::begin(db, email, ip).await.unwrap();
        guess.failed();
    }
}
