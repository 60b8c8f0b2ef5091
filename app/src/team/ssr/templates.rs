//! Reply templates per team (DESIGN.md §2): every member may use them; only the team's
//! leads create, change and delete them (`Forbidden` for other members, `NotFound` for
//! people not on the team).

use super::super::types::{ReplyTemplate, TemplateInput, TEMPLATE_TITLE_MAX_CHARS};
use super::membership;
use crate::error::AppError;
use crate::messages::rules;
use crate::server::access::TeamCapability;
use crate::server::db::Db;
use crate::server::db::{is_unique_violation, Tx};
use std::collections::BTreeMap;

const TEMPLATE_SELECT: &str = "SELECT id, team_id, title, body, updated_at FROM reply_templates";

/// A team's templates, by title. `NotFound` for a team the person is not on.
pub async fn templates(
    db: &Db,
    capability: &TeamCapability,
    team_id: i64,
) -> Result<Vec<ReplyTemplate>, AppError> {
    let mut tx = db.begin_read().await?;
    membership(&mut tx, capability, team_id).await?;
    let templates = sqlx::query_as(&format!(
        "{TEMPLATE_SELECT} WHERE team_id = $1 ORDER BY title, id"
    ))
    .bind(team_id)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(templates)
}

/// Adds a template to a team the person leads.
pub async fn create_template(
    db: &Db,
    capability: &TeamCapability,
    team_id: i64,
    input: &TemplateInput,
) -> Result<ReplyTemplate, AppError> {
    let title = validate(input)?;
    let me = capability.user().id;
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    require_lead(&mut tx, capability, team_id).await?;
    let inserted = sqlx::query_scalar::<_, i64>(
        "INSERT INTO reply_templates \
         (team_id, title, body, created_by, created_at, updated_by, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $4, $5) RETURNING id",
    )
    .bind(team_id)
    .bind(title)
    .bind(input.body.as_str())
    .bind(me)
    .bind(now)
    .fetch_one(&mut *tx)
    .await;
    let template_id = inserted.map_err(title_taken)?;
    tx.commit().await?;
    Ok(ReplyTemplate {
        template_id,
        team_id,
        title: title.to_string(),
        body: input.body.clone(),
        updated_at: now,
    })
}

/// Changes a template of a team the person leads.
pub async fn update_template(
    db: &Db,
    capability: &TeamCapability,
    template_id: i64,
    input: &TemplateInput,
) -> Result<ReplyTemplate, AppError> {
    let title = validate(input)?;
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    let team_id = template_team(&mut tx, capability, template_id).await?;
    require_lead(&mut tx, capability, team_id).await?;
    sqlx::query(
        "UPDATE reply_templates SET title = $1, body = $2, updated_by = $3, updated_at = $4 \
         WHERE id = $5",
    )
    .bind(title)
    .bind(input.body.as_str())
    .bind(capability.user().id)
    .bind(now)
    .bind(template_id)
    .execute(&mut *tx)
    .await
    .map_err(title_taken)?;
    tx.commit().await?;
    Ok(ReplyTemplate {
        template_id,
        team_id,
        title: title.to_string(),
        body: input.body.clone(),
        updated_at: now,
    })
}

/// Deletes a template of a team the person leads. Messages written from it are unaffected.
pub async fn delete_template(
    db: &Db,
    capability: &TeamCapability,
    template_id: i64,
) -> Result<(), AppError> {
    let mut tx = db.begin_write().await?;
    let team_id = template_team(&mut tx, capability, template_id).await?;
    require_lead(&mut tx, capability, team_id).await?;
    sqlx::query("DELETE FROM reply_templates WHERE id = $1")
        .bind(template_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The team of a template on one of the person's teams, or `NotFound`.
async fn template_team(
    tx: &mut Tx,
    capability: &TeamCapability,
    template_id: i64,
) -> Result<i64, AppError> {
    let team_id: Option<i64> = sqlx::query_scalar(
        "SELECT r.team_id FROM reply_templates r JOIN team_members tm \
         ON tm.team_id = r.team_id AND tm.user_id = $2 WHERE r.id = $1",
    )
    .bind(template_id)
    .bind(capability.user().id)
    .fetch_optional(&mut **tx)
    .await?;
    team_id.ok_or(AppError::NotFound)
}

async fn require_lead(
    tx: &mut Tx,
    capability: &TeamCapability,
    team_id: i64,
) -> Result<(), AppError> {
    if membership(tx, capability, team_id).await? {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Title 1–100 characters (trimmed), body like a message (1–10,000 characters). Returns
/// the trimmed title.
fn validate(input: &TemplateInput) -> Result<&str, AppError> {
    let title = input.title.trim();
    let mut fields = BTreeMap::new();
    if title.is_empty() {
        fields.insert("title".to_string(), "Enter a title.".to_string());
    } else if title.chars().count() > TEMPLATE_TITLE_MAX_CHARS {
        fields.insert(
            "title".to_string(),
            format!("Title must be {TEMPLATE_TITLE_MAX_CHARS} characters or fewer."),
        );
    }
    if let Some(problem) = rules::body_problem(&input.body) {
        fields.insert("body".to_string(), problem);
    }
    if fields.is_empty() {
        Ok(title)
    } else {
        Err(AppError::Invalid { fields })
    }
}

fn title_taken(error: sqlx::Error) -> AppError {
    if is_unique_violation(&error) {
        AppError::invalid("title", "This team already has a template with this title.")
    } else {
        AppError::from(error)
    }
}
