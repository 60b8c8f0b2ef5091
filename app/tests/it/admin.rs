//! Administration console data layer: every scenario runs on SQLite and on
//! PostgreSQL, from the demo data (DESIGN.md §5): Riley is the only administrator; Alex
//! writes to all four teams, Jordan to Pharmacy only; Sam is Alex's caregiver; Morgan
//! (lead) and Casey are on Primary Care.

use crate::common::{count, user};
use crate::email::{emailed_link, link_expires_at, site, SET_PASSWORD_LINK};
use app::admin::ssr::{self as admin, Origin};
use app::admin::types::{
    FacilityInput, ImportVerdict, InviteInput, TeamFilter, TeamInput, TeamRole,
};
use app::error::AppError;
use app::messages::ssr as messaging;
use app::messages::{Category, NewMessage};
use app::pages::veteran_home::ssr::veterans_for;
use app::server::access::{trusted, AdminCapability, MessagingCapability};
use app::server::db::Db;
use app::server::{demo, now_ms, passwords, users};

const FROM: &str = "203.0.113.7";

fn from() -> Origin {
    Origin(Some(FROM.to_string()))
}

async fn riley(db: &Db) -> AdminCapability {
    assert!(demo::seed_if_empty(&db.pool).await.unwrap());
    trusted::admin(user(db, "admin@example.com").await).unwrap()
}

async fn id_of(db: &Db, sql: &str, value: &str) -> i64 {
    sqlx::query_scalar(sql)
        .bind(value)
        .fetch_one(&db.pool)
        .await
        .unwrap()
}

/// The latest audit event with this action: (actor, target, ip, detail as JSON).
async fn last_audit(db: &Db, action: &str) -> (i64, String, String, serde_json::Value) {
    let (actor, target, ip, detail): (i64, String, String, String) = sqlx::query_as(
        "SELECT actor_id, target, ip, detail FROM audit_events WHERE action = $1 \
         ORDER BY id DESC LIMIT 1",
    )
    .bind(action)
    .fetch_one(&db.pool)
    .await
    .unwrap_or_else(|e| panic!("no {action} event: {e}"));
    (actor, target, ip, serde_json::from_str(&detail).unwrap())
}

fn field_error<T: std::fmt::Debug>(result: Result<T, AppError>, field: &str) -> String {
    match result {
        Err(error @ AppError::Invalid { .. }) => error
            .field(field)
            .unwrap_or_else(|| panic!("no {field} error in {error:?}")),
        other => panic!("expected a {field} error, got {other:?}"),
    }
}

fn team_input(facility_id: i64, name: &str, target: &str) -> TeamInput {
    TeamInput {
        facility_id: Some(facility_id),
        name: name.to_string(),
        description: "Feet and ankles".to_string(),
        accepting_messages: true,
        response_target_days: target.to_string(),
    }
}

async fn demo_facility(db: &Db) -> i64 {
    id_of(
        db,
        "SELECT id FROM facilities WHERE station_number = $1",
        "999",
    )
    .await
}

async fn facilities_are_added_and_edited_with_unique_station_numbers(db: &Db) {
    let riley = riley(db).await;
    let input = |station: &str, name: &str, zone: &str| FacilityInput {
        station_number: station.to_string(),
        name: name.to_string(),
        time_zone: zone.to_string(),
        phone: String::new(),
    };
    let added = admin::add_facility(
        db,
        &riley,
        &from(),
        &input(" 402ga ", " Augusta VA Medical Center ", "America/New_York"),
    )
    .await
    .unwrap();
    assert_eq!(added.station_number, "402GA");
    assert_eq!(added.name, "Augusta VA Medical Center");
    let (actor, target, ip, detail) = last_audit(db, "facility_added").await;
    assert_eq!(actor, riley.user().id);
    assert_eq!(target, format!("facility:{}", added.facility_id));
    assert_eq!(ip, FROM);
    assert_eq!(detail["before"], serde_json::Value::Null);
    assert_eq!(detail["after"]["station_number"], "402GA");

    let taken = admin::add_facility(db, &riley, &from(), &input("999", "Another", "UTC")).await;
    assert_eq!(
        field_error(taken, "station_number"),
        "Another facility already has this station number."
    );
    let wrong = admin::add_facility(db, &riley, &from(), &input("12", "", "Mars/Olympus")).await;
    let Err(AppError::Invalid { fields }) = wrong else {
        panic!("expected field errors");
    };
    assert_eq!(
        fields.keys().collect::<Vec<_>>(),
        ["name", "station_number", "time_zone"],
        "every wrong field is reported at once"
    );
    let no_area_code = FacilityInput {
        phone: "555-0100".to_string(),
        ..input("403", "Somewhere", "UTC")
    };
    let refused = admin::add_facility(db, &riley, &from(), &no_area_code).await;
    assert!(field_error(refused, "phone").starts_with("Enter a 10-digit phone number"));

    let edited = admin::edit_facility(
        db,
        &riley,
        &from(),
        added.facility_id,
        &input("402GA", "Augusta VAMC", "America/Chicago"),
    )
    .await
    .unwrap();
    assert_eq!(edited.time_zone, "America/Chicago");
    assert_eq!(edited.phone, "");
    let (_, _, _, detail) = last_audit(db, "facility_changed").await;
    assert_eq!(detail["before"]["name"], "Augusta VA Medical Center");
    assert_eq!(detail["after"]["name"], "Augusta VAMC");
    assert_eq!(detail["before"]["time_zone"], "America/New_York");
    assert_eq!(detail["after"]["time_zone"], "America/Chicago");
    let clash = admin::edit_facility(
        db,
        &riley,
        &from(),
        added.facility_id,
        &input("999", "Augusta VAMC", "America/Chicago"),
    )
    .await;
    assert!(field_error(clash, "station_number").contains("already"));
    let with_phone = FacilityInput {
        phone: " (706) 733-0188 x2 ".to_string(),
        ..input("402GA", "Augusta VAMC", "America/Chicago")
    };
    let phoned = admin::edit_facility(db, &riley, &from(), added.facility_id, &with_phone)
        .await
        .unwrap();
    assert_eq!(phoned.phone, "(706) 733-0188 x2");
    let (_, _, _, detail) = last_audit(db, "facility_changed").await;
    assert_eq!(detail["after"]["phone"], "(706) 733-0188 x2");
    let listed = admin::facilities(db, &riley).await.unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|f| f.station_number.as_str())
            .collect::<Vec<_>>(),
        ["402GA", "999"]
    );
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM audit_events WHERE action = 'facility_changed'"
        )
        .await,
        2,
        "a refused change is not audited as a change"
    );
}

async fn send_as_alex(db: &Db, alex: &MessagingCapability, team: i64, subject: &str) -> i64 {
    let message = NewMessage {
        care_team_id: Some(team),
        category: Some(Category::General),
        subject: subject.to_string(),
        body: "A question for the team.".to_string(),
        client_key: uuid::Uuid::new_v4().to_string(),
        draft_id: None,
    };
    messaging::send_message(db, alex, alex.user().id, &message)
        .await
        .unwrap()
        .thread_id
}

async fn care_teams_are_filtered_counted_added_and_edited(db: &Db) {
    let riley = riley(db).await;
    let facility = demo_facility(db).await;
    for (target, why) in [
        ("0", "too small"),
        ("31", "too large"),
        ("three", "not a number"),
    ] {
        let refused = admin::add_team(
            db,
            &riley,
            &from(),
            &team_input(facility, "Podiatry", target),
        )
        .await;
        assert!(
            field_error(refused, "response_target_days").contains("from 1 to 30"),
            "{why}"
        );
    }
    let podiatry = admin::add_team(db, &riley, &from(), &team_input(facility, "Podiatry", "5"))
        .await
        .unwrap();
    let twice = admin::add_team(db, &riley, &from(), &team_input(facility, "Podiatry", "5")).await;
    assert!(field_error(twice, "name").contains("already has a care team"));

    // Alex may write to it; three threads: one overdue, one assigned, one completed.
    sqlx::query("INSERT INTO veteran_teams (veteran_id, team_id, created_at) VALUES ($1, $2, 0)")
        .bind(user(db, "veteran@example.com").await.id)
        .bind(podiatry)
        .execute(&db.pool)
        .await
        .unwrap();
    let alex = trusted::messaging(user(db, "veteran@example.com").await).unwrap();
    let late = send_as_alex(db, &alex, podiatry, "Heel").await;
    let taken = send_as_alex(db, &alex, podiatry, "Toe").await;
    let done = send_as_alex(db, &alex, podiatry, "Arch").await;
    let morgan = user(db, "clinician@example.com").await.id;
    for (sql, thread, value) in [
        (
            "UPDATE threads SET due_at = $1 WHERE id = $2",
            late,
            now_ms() - 1000,
        ),
        (
            "UPDATE threads SET assigned_to = $1 WHERE id = $2",
            taken,
            morgan,
        ),
        (
            "UPDATE threads SET completed_at = $1 WHERE id = $2",
            done,
            now_ms(),
        ),
    ] {
        sqlx::query(sql)
            .bind(value)
            .bind(thread)
            .execute(&db.pool)
            .await
            .unwrap();
    }

    let all = admin::teams(db, &riley, &TeamFilter::default())
        .await
        .unwrap();
    assert_eq!(all.len(), 5);
    let row = all.iter().find(|t| t.team_id == podiatry).unwrap();
    assert_eq!((row.open, row.overdue, row.unassigned), (2, 1, 1));
    assert_eq!(row.response_target_days, 5);

    let named = TeamFilter {
        name: Some("  pODia ".to_string()),
        ..TeamFilter::default()
    };
    let found = admin::teams(db, &riley, &named).await.unwrap();
    assert_eq!(
        found.iter().map(|t| t.team_id).collect::<Vec<_>>(),
        [podiatry]
    );
    let closed = TeamFilter {
        accepting: Some(false),
        ..TeamFilter::default()
    };
    let names: Vec<String> = admin::teams(db, &riley, &closed)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(names, ["Cardiology"]);
    let elsewhere = TeamFilter {
        facility_id: Some(facility + 1000),
        ..TeamFilter::default()
    };
    assert!(admin::teams(db, &riley, &elsewhere)
        .await
        .unwrap()
        .is_empty());

    let mut change = team_input(facility, "Podiatry and Foot Care", "7");
    change.accepting_messages = false;
    admin::edit_team(db, &riley, &from(), podiatry, &change)
        .await
        .unwrap();
    let detail = admin::team_detail(db, &riley, podiatry).await.unwrap();
    assert_eq!(detail.team.name, "Podiatry and Foot Care");
    assert!(!detail.team.accepting_messages);
    assert_eq!(detail.team.response_target_days, 7);
    let (_, target, _, audit) = last_audit(db, "care_team_changed").await;
    assert_eq!(target, format!("care_team:{podiatry}"));
    assert_eq!(audit["before"]["accepting_messages"], true);
    assert_eq!(audit["after"]["accepting_messages"], false);
    assert_eq!(audit["before"]["response_target_days"], 5);
    assert_eq!(audit["after"]["response_target_days"], 7);
    assert!(matches!(
        admin::edit_team(db, &riley, &from(), podiatry + 1000, &change).await,
        Err(AppError::NotFound)
    ));
}

async fn members_are_added_as_member_or_lead_and_removed(db: &Db) {
    let riley = riley(db).await;
    let pharmacy = id_of(db, "SELECT id FROM care_teams WHERE name = $1", "Pharmacy").await;
    admin::add_member(
        db,
        &riley,
        &from(),
        pharmacy,
        " Nurse@Example.com ",
        TeamRole::Lead,
    )
    .await
    .unwrap();
    let again = admin::add_member(
        db,
        &riley,
        &from(),
        pharmacy,
        "nurse@example.com",
        TeamRole::Member,
    )
    .await;
    assert_eq!(
        field_error(again, "member_email"),
        "This person is already on the team."
    );
    let veteran = admin::add_member(
        db,
        &riley,
        &from(),
        pharmacy,
        "veteran@example.com",
        TeamRole::Member,
    )
    .await;
    assert!(field_error(veteran, "member_email").contains("clinicians"));
    let nobody = admin::add_member(
        db,
        &riley,
        &from(),
        pharmacy,
        "nobody@example.com",
        TeamRole::Member,
    )
    .await;
    assert!(field_error(nobody, "member_email").contains("Invite them"));

    let detail = admin::team_detail(db, &riley, pharmacy).await.unwrap();
    let casey = user(db, "nurse@example.com").await.id;
    assert_eq!(detail.members.len(), 1);
    assert_eq!(detail.members[0].user_id, casey);
    assert_eq!(detail.members[0].team_role, TeamRole::Lead);
    let (_, target, _, audit) = last_audit(db, "team_member_added").await;
    assert_eq!(target, format!("care_team:{pharmacy}:user:{casey}"));
    assert_eq!(audit["after"]["team_role"], "lead");

    admin::remove_member(db, &riley, &from(), pharmacy, casey)
        .await
        .unwrap();
    assert!(admin::team_detail(db, &riley, pharmacy)
        .await
        .unwrap()
        .members
        .is_empty());
    let (_, _, _, audit) = last_audit(db, "team_member_removed").await;
    assert_eq!(audit["before"]["team_role"], "lead");
    assert_eq!(audit["after"], serde_json::Value::Null);
    assert!(matches!(
        admin::remove_member(db, &riley, &from(), pharmacy, casey).await,
        Err(AppError::NotFound)
    ));
    // Casey is still on Primary Care: only the one team changed.
    assert_eq!(count(db, "SELECT COUNT(*) FROM team_members").await, 2);
}

/// Whether Jordan may start a message to `team` now, as the compose page decides it.
async fn jordan_can_write(db: &Db, team: i64) -> Option<bool> {
    let jordan = trusted::messaging(user(db, "veteran2@example.com").await).unwrap();
    messaging::care_teams(db, &jordan, jordan.user().id)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.care_team_id == team)
        .map(|t| t.can_write)
}

async fn an_association_lets_a_veteran_write_and_blocking_stops_it(db: &Db) {
    let riley = riley(db).await;
    let blue = id_of(
        db,
        "SELECT id FROM care_teams WHERE name = $1",
        "Primary Care – Blue Team",
    )
    .await;
    let jordan = user(db, "veteran2@example.com").await.id;
    assert_eq!(jordan_can_write(db, blue).await, None);
    admin::add_association(db, &riley, &from(), blue, "VETERAN2@example.com")
        .await
        .unwrap();
    assert_eq!(jordan_can_write(db, blue).await, Some(true));
    let (_, target, _, audit) = last_audit(db, "veteran_team_associated").await;
    assert_eq!(target, format!("care_team:{blue}:veteran:{jordan}"));
    assert_eq!(audit["before"], serde_json::Value::Null);
    let patient: Option<i64> = sqlx::query_scalar(
        "SELECT patient_id FROM audit_events WHERE action = 'veteran_team_associated'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(patient, Some(jordan));

    let twice = admin::add_association(db, &riley, &from(), blue, "veteran2@example.com").await;
    assert!(field_error(twice, "veteran_email").contains("already"));
    let nurse = admin::add_association(db, &riley, &from(), blue, "nurse@example.com").await;
    assert!(field_error(nurse, "veteran_email").contains("not a Veteran"));
    let nobody = admin::add_association(db, &riley, &from(), blue, "who@example.com").await;
    assert!(field_error(nobody, "veteran_email").contains("No one"));

    admin::block_association(db, &riley, &from(), blue, jordan)
        .await
        .unwrap();
    assert_eq!(jordan_can_write(db, blue).await, Some(false));
    let (_, _, _, audit) = last_audit(db, "veteran_team_blocked").await;
    assert_eq!(audit["before"]["blocked"], false);
    assert_eq!(audit["after"]["blocked"], true);
    let blocked_add =
        admin::add_association(db, &riley, &from(), blue, "veteran2@example.com").await;
    assert!(field_error(blocked_add, "veteran_email").contains("blocked"));
    admin::unblock_association(db, &riley, &from(), blue, jordan)
        .await
        .unwrap();
    assert_eq!(jordan_can_write(db, blue).await, Some(true));
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM audit_events WHERE action = 'veteran_team_unblocked'"
        )
        .await,
        1
    );
    assert!(matches!(
        admin::block_association(
            db,
            &riley,
            &from(),
            blue,
            user(db, "nurse@example.com").await.id
        )
        .await,
        Err(AppError::NotFound)
    ));
}

const GOOD_AND_BAD: &str = "veteran_email,team_name,facility_station\n\
veteran2@example.com,Mental Health,999\n\
Veteran2@Example.com,Cardiology,999\n\
veteran@example.com,Pharmacy,999\n\
nobody@example.com,Pharmacy,999\n\
nurse@example.com,Pharmacy,999\n\
veteran2@example.com,Dermatology,999\n\
veteran2@example.com,Pharmacy,123\n\
veteran2@example.com,Mental Health,999\n\
veteran2@example.com,Mental Health\n\
\"veteran2@example.com\",\"Primary Care – Blue Team\",\"999\"\n";

async fn csv_import_previews_every_line_and_imports_all_or_nothing(db: &Db) {
    let riley = riley(db).await;
    let associations = "SELECT COUNT(*) FROM veteran_teams";
    let audited = "SELECT COUNT(*) FROM audit_events WHERE action = 'veteran_team_associated'";
    let before = count(db, associations).await;

    let preview = admin::preview_import(db, &riley, GOOD_AND_BAD)
        .await
        .unwrap();
    let verdicts: Vec<(u64, ImportVerdict)> = preview
        .lines
        .iter()
        .map(|l| (l.line, l.verdict.clone()))
        .collect();
    let rejected = |why: &str| ImportVerdict::Rejected(why.to_string());
    assert_eq!(
        verdicts,
        [
            (2, ImportVerdict::WillAdd),
            (3, ImportVerdict::WillAdd),
            (4, ImportVerdict::NoChange("Already associated.".to_string())),
            (5, rejected("Unknown email: no one has this email address.")),
            (6, rejected("Not a Veteran: only Veterans can be associated with a care team.")),
            (7, rejected("Unknown care team: the facility has no care team with this name.")),
            (8, rejected("Unknown facility: no facility has this station number.")),
            (9, rejected("Duplicate of line 2.")),
            (10, rejected("Malformed line: it needs a Veteran's email, a team name and a station number, separated by commas.")),
            (11, ImportVerdict::WillAdd),
        ]
    );
    assert_eq!(preview.lines[1].veteran_email, "veteran2@example.com");
    assert_eq!(
        (preview.will_add(), preview.unchanged(), preview.rejected()),
        (3, 1, 6)
    );
    assert_eq!(
        count(db, associations).await,
        before,
        "a preview changes nothing"
    );

    let refused = admin::import_associations(db, &riley, &from(), GOOD_AND_BAD).await;
    assert!(field_error(refused, "csv").contains("6 lines of the file can't be imported"));
    assert_eq!(count(db, associations).await, before, "all or nothing");
    assert_eq!(count(db, audited).await, 0);

    let fixed: String = GOOD_AND_BAD
        .lines()
        .enumerate()
        .filter(|(i, _)| [0, 1, 2, 3, 10].contains(i))
        .map(|(_, line)| format!("{line}\r\n"))
        .collect();
    let done = admin::import_associations(db, &riley, &from(), &fixed)
        .await
        .unwrap();
    assert_eq!(done.will_add(), 3);
    assert_eq!(count(db, associations).await, before + 3);
    assert_eq!(count(db, audited).await, 3);
    let (_, _, ip, audit) = last_audit(db, "veteran_team_associated").await;
    assert_eq!(ip, FROM);
    assert_eq!(audit["after"]["added"], "csv import");
    let mental_health = id_of(
        db,
        "SELECT id FROM care_teams WHERE name = $1",
        "Mental Health",
    )
    .await;
    assert_eq!(jordan_can_write(db, mental_health).await, Some(true));

    let again = admin::import_associations(db, &riley, &from(), &fixed)
        .await
        .unwrap();
    assert_eq!((again.will_add(), again.unchanged()), (0, 4));
    assert_eq!(count(db, associations).await, before + 3, "idempotent");
    assert_eq!(count(db, audited).await, 3);

    let headless = admin::preview_import(db, &riley, "veteran2@example.com,Pharmacy,999\n").await;
    assert!(field_error(headless, "csv").contains("first line must be"));
    let empty =
        admin::preview_import(db, &riley, "veteran_email,team_name,facility_station\n").await;
    assert!(field_error(empty, "csv").contains("no lines"));
}

async fn an_invitation_link_sets_a_password_once(db: &Db) {
    let riley = riley(db).await;
    let invite = |email: &str, role: &str| InviteInput {
        email: email.to_string(),
        name: "Dana Ortiz".to_string(),
        role: role.to_string(),
    };
    let taken = admin::invite(
        db,
        &riley,
        &from(),
        &site(),
        &invite("nurse@example.com", "clinician"),
    )
    .await;
    assert!(field_error(taken, "email").contains("already"));
    let no_role = admin::invite(
        db,
        &riley,
        &from(),
        &site(),
        &invite("dana@example.com", "boss"),
    )
    .await;
    assert_eq!(field_error(no_role, "role"), "Choose a role.");

    let dana = admin::invite(
        db,
        &riley,
        &from(),
        &site(),
        &invite(" Dana@Example.com ", "clinician"),
    )
    .await
    .unwrap();
    let expires_at = link_expires_at(db, dana).await;
    let hours = (expires_at - now_ms()) as f64 / 3_600_000.0;
    assert!((23.9..=24.0).contains(&hours), "{hours}");
    // The link went by email to the person's own address, written with the invitation.
    let link = emailed_link(db, "dana@example.com", "invitation").await;
    let token = link.strip_prefix(SET_PASSWORD_LINK).unwrap();
    assert_eq!(token.len(), 64);
    assert_eq!(
        count(
            db,
            &format!("SELECT COUNT(*) FROM password_links WHERE token_hash = '{token}'")
        )
        .await,
        0,
        "only a digest of the token is stored"
    );
    let (_, _, _, audit) = last_audit(db, "user_invited").await;
    assert_eq!(audit["after"]["email"], "dana@example.com");
    assert_eq!(audit["after"]["role"], "clinician");
    assert!(!audit.to_string().contains(token));

    let holder = admin::password_link_holder(db, token)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(holder.email, "dana@example.com");
    let weak = admin::set_password_with_link(db, token, "short", "short", FROM).await;
    assert!(field_error(weak, "password").contains("at least 12"));
    let common =
        admin::set_password_with_link(db, token, "password1234", "password1234", FROM).await;
    assert_eq!(
        field_error(common, "password"),
        app::admin::rules::PASSWORD_TOO_COMMON
    );
    let mismatch = admin::set_password_with_link(
        db,
        token,
        "a quiet harbor at dawn",
        "a quiet harbour at dawn",
        FROM,
    )
    .await;
    assert!(field_error(mismatch, "confirm").contains("don't match"));
    admin::set_password_with_link(
        db,
        token,
        "a quiet harbor at dawn",
        "a quiet harbor at dawn",
        FROM,
    )
    .await
    .unwrap();
    let stored = users::credentials_by_email(&db.pool, "dana@example.com")
        .await
        .unwrap()
        .unwrap();
    assert!(passwords::verify(
        "a quiet harbor at dawn",
        stored.password_hash.as_deref()
    ));
    assert!(admin::password_link_holder(db, token)
        .await
        .unwrap()
        .is_none());
    assert!(matches!(
        admin::set_password_with_link(
            db,
            token,
            "another long phrase",
            "another long phrase",
            FROM
        )
        .await,
        Err(AppError::NotFound)
    ));

    // A reset: the old password stops working and sessions end; an expired link is dead.
    assert_eq!(stored.user.id, dana);
    add_session(db, dana).await;
    admin::reset_password(db, &riley, &from(), &site(), dana)
        .await
        .unwrap();
    let reset = emailed_link(db, "dana@example.com", "password_reset").await;
    assert_ne!(reset, link);
    let stored = users::credentials_by_email(&db.pool, "dana@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.password_hash, None);
    assert_eq!(sessions_of(db, dana).await, 0);
    let (_, _, _, audit) = last_audit(db, "password_reset_issued").await;
    assert_eq!(audit["before"]["has_password"], true);
    assert_eq!(audit["after"]["has_password"], false);
    sqlx::query("UPDATE password_links SET expires_at = $1 WHERE user_id = $2")
        .bind(now_ms() - 1)
        .bind(dana)
        .execute(&db.pool)
        .await
        .unwrap();
    let expired = reset.strip_prefix(SET_PASSWORD_LINK).unwrap();
    assert!(admin::password_link_holder(db, expired)
        .await
        .unwrap()
        .is_none());
    assert!(matches!(
        admin::set_password_with_link(
            db,
            expired,
            "a quiet harbor at dusk",
            "a quiet harbor at dusk",
            FROM
        )
        .await,
        Err(AppError::NotFound)
    ));
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM audit_events WHERE action = 'password_set'"
        )
        .await,
        1
    );
}

async fn add_session(db: &Db, user_id: i64) {
    sqlx::query("INSERT INTO sessions (id, user_id, data, expires_at) VALUES ($1, $2, '{}', $3)")
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(user_id)
        .bind(now_ms() + 60_000)
        .execute(&db.pool)
        .await
        .unwrap();
}

async fn sessions_of(db: &Db, user_id: i64) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(&db.pool)
        .await
        .unwrap()
}

async fn deactivation_ends_every_session_at_once(db: &Db) {
    let riley = riley(db).await;
    let casey = user(db, "nurse@example.com").await.id;
    add_session(db, casey).await;
    add_session(db, casey).await;
    let morgan = user(db, "clinician@example.com").await.id;
    add_session(db, morgan).await;

    admin::deactivate(db, &riley, &from(), casey).await.unwrap();
    assert_eq!(
        sessions_of(db, casey).await,
        0,
        "both of Casey's sessions end"
    );
    assert_eq!(sessions_of(db, morgan).await, 1, "nobody else's");
    assert!(users::active_user(&db.pool, casey).await.unwrap().is_none());
    let (_, target, _, audit) = last_audit(db, "user_deactivated").await;
    assert_eq!(target, format!("user:{casey}"));
    assert_eq!(audit["before"]["active"], true);
    assert_eq!(audit["after"]["active"], false);
    assert_eq!(audit["after"]["sessions_ended"], 2);

    admin::reactivate(db, &riley, &from(), casey).await.unwrap();
    assert!(users::active_user(&db.pool, casey).await.unwrap().is_some());
    let (_, _, _, audit) = last_audit(db, "user_reactivated").await;
    assert_eq!(audit["after"]["active"], true);

    admin::change_role(db, &riley, &from(), casey, "caregiver")
        .await
        .unwrap();
    assert_eq!(
        users::active_user(&db.pool, casey)
            .await
            .unwrap()
            .unwrap()
            .role,
        app::auth::Role::Caregiver
    );
    let (_, _, _, audit) = last_audit(db, "user_role_changed").await;
    assert_eq!(audit["before"]["role"], "clinician");
    assert_eq!(audit["after"]["role"], "caregiver");

    let found = admin::find_users(db, &riley, "CASEY").await.unwrap();
    assert_eq!(found.iter().map(|u| u.user_id).collect::<Vec<_>>(), [casey]);
    let by_email = admin::find_users(db, &riley, "veteran2@").await.unwrap();
    assert_eq!(by_email.len(), 1);
    assert_eq!(by_email[0].name, "Jordan Lee");
}

async fn the_last_active_administrator_cannot_be_deactivated_or_demoted(db: &Db) {
    let riley = riley(db).await;
    let me = riley.user().id;
    let alone = admin::deactivate(db, &riley, &from(), me).await;
    assert!(field_error(alone, "user").contains("last active administrator"));
    let demoted = admin::change_role(db, &riley, &from(), me, "clinician").await;
    assert!(field_error(demoted, "role").contains("last active administrator"));
    assert!(users::active_user(&db.pool, me).await.unwrap().is_some());

    let second = admin::invite(
        db,
        &riley,
        &from(),
        &site(),
        &InviteInput {
            email: "quinn@example.com".to_string(),
            name: "Quinn Admin".to_string(),
            role: "administrator".to_string(),
        },
    )
    .await
    .unwrap();
    // A deactivated administrator does not count.
    admin::deactivate(db, &riley, &from(), second)
        .await
        .unwrap();
    let still_alone = admin::change_role(db, &riley, &from(), me, "clinician").await;
    assert!(field_error(still_alone, "role").contains("last active administrator"));
    admin::reactivate(db, &riley, &from(), second)
        .await
        .unwrap();
    admin::change_role(db, &riley, &from(), me, "clinician")
        .await
        .unwrap();
    let quinn = trusted::admin(user(db, "quinn@example.com").await).unwrap();
    let last = admin::deactivate(db, &quinn, &from(), second).await;
    assert!(field_error(last, "user").contains("last active administrator"));
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM users WHERE role = 'administrator' AND active = 1"
        )
        .await,
        1
    );
}

async fn two_administrators_racing_to_deactivate_each_other_leave_one(db: &Db) {
    let riley = riley(db).await;
    let quinn_id = admin::invite(
        db,
        &riley,
        &from(),
        &site(),
        &InviteInput {
            email: "quinn@example.com".to_string(),
            name: "Quinn Admin".to_string(),
            role: "administrator".to_string(),
        },
    )
    .await
    .unwrap();
    let quinn = trusted::admin(user(db, "quinn@example.com").await).unwrap();
    let riley_id = riley.user().id;
    let origin = from();
    let (first, second) = tokio::join!(
        admin::deactivate(db, &riley, &origin, quinn_id),
        admin::deactivate(db, &quinn, &origin, riley_id),
    );
    let refused = [&first, &second]
        .iter()
        .filter(|r| matches!(r, Err(AppError::Invalid { .. })))
        .count();
    assert_eq!(
        (first.is_ok() as u8 + second.is_ok() as u8, refused),
        (1, 1),
        "{first:?} {second:?}"
    );
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM users WHERE role = 'administrator' AND active = 1"
        )
        .await,
        1
    );
    // The same race, demoting instead: reactivate and try again.
    let (winner, loser) = if first.is_ok() {
        (riley, quinn_id)
    } else {
        (quinn, riley_id)
    };
    admin::reactivate(db, &winner, &from(), loser)
        .await
        .unwrap();
    let loser_cap =
        trusted::admin(users::active_user(&db.pool, loser).await.unwrap().unwrap()).unwrap();
    let winner_id = winner.user().id;
    let (a, b) = tokio::join!(
        admin::change_role(db, &winner, &origin, loser, "clinician"),
        admin::change_role(db, &loser_cap, &origin, winner_id, "clinician"),
    );
    assert_eq!(a.is_ok() as u8 + b.is_ok() as u8, 1, "{a:?} {b:?}");
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM users WHERE role = 'administrator' AND active = 1"
        )
        .await,
        1
    );
}

async fn caregiver_access_is_granted_and_revoked_at_once(db: &Db) {
    let riley = riley(db).await;
    let sam = user(db, "caregiver@example.com").await;
    let sam_cap = trusted::messaging(sam.clone()).unwrap();
    let names = |list: Vec<(i64, String)>| list.into_iter().map(|(_, n)| n).collect::<Vec<_>>();
    assert_eq!(
        names(veterans_for(&db.pool, &sam_cap).await.unwrap()),
        ["Alex Rivera"]
    );

    admin::grant_caregiver_access(db, &riley, &from(), sam.id, "veteran2@example.com")
        .await
        .unwrap();
    assert_eq!(
        names(veterans_for(&db.pool, &sam_cap).await.unwrap()),
        ["Alex Rivera", "Jordan Lee"]
    );
    let jordan = user(db, "veteran2@example.com").await.id;
    let (_, _, _, audit) = last_audit(db, "caregiver_access_granted").await;
    assert_eq!(audit["after"]["veteran_id"], jordan);
    let twice =
        admin::grant_caregiver_access(db, &riley, &from(), sam.id, "veteran2@example.com").await;
    assert!(field_error(twice, "veteran_email").contains("already has access"));
    let casey = user(db, "nurse@example.com").await.id;
    let not_caregiver =
        admin::grant_caregiver_access(db, &riley, &from(), casey, "veteran2@example.com").await;
    assert!(field_error(not_caregiver, "veteran_email").contains("Only caregiver"));
    let not_veteran =
        admin::grant_caregiver_access(db, &riley, &from(), sam.id, "nurse@example.com").await;
    assert!(field_error(not_veteran, "veteran_email").contains("not a Veteran"));

    let detail = admin::user_detail(db, &riley, sam.id).await.unwrap();
    assert_eq!(detail.grants.len(), 2);
    let grant = detail
        .grants
        .iter()
        .find(|g| g.veteran_email == "veteran@example.com")
        .unwrap()
        .grant_id;
    admin::revoke_caregiver_access(db, &riley, &from(), grant)
        .await
        .unwrap();
    assert_eq!(
        names(veterans_for(&db.pool, &sam_cap).await.unwrap()),
        ["Jordan Lee"]
    );
    let (_, _, _, audit) = last_audit(db, "caregiver_access_revoked").await;
    assert_eq!(audit["before"]["revoked_at"], serde_json::Value::Null);
    assert!(audit["after"]["revoked_at"].is_i64());
    assert!(matches!(
        admin::revoke_caregiver_access(db, &riley, &from(), grant).await,
        Err(AppError::NotFound)
    ));
}

/// A clinician made a caregiver, and a caregiver made a Veteran: nothing of the old role
/// stays reachable, and each ending is audited in the same change.
async fn a_new_role_ends_what_the_old_one_held(db: &Db) {
    let riley = riley(db).await;
    let casey = user(db, "nurse@example.com").await.id;
    let morgan = user(db, "clinician@example.com").await.id;
    let alex = user(db, "veteran@example.com").await.id;
    let primary = id_of(
        db,
        "SELECT id FROM care_teams WHERE name = $1",
        "Primary Care – Blue Team",
    )
    .await;
    let thread = send_as_alex(
        db,
        &trusted::messaging(user(db, "veteran@example.com").await).unwrap(),
        primary,
        "Role change",
    )
    .await;
    let now = now_ms();
    sqlx::query(
        "INSERT INTO coverage (user_id, away_until, covering_user_id, updated_at) \
         VALUES ($1, $2, $3, $2)",
    )
    .bind(morgan)
    .bind(now + 86_400_000)
    .bind(casey)
    .execute(&db.pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO drafts (author_id, veteran_id, team_id, body, thread_id, created_at, updated_at) \
         VALUES ($1, $2, $3, 'Half a reply', $4, $5, $5)",
    )
    .bind(casey)
    .bind(alex)
    .bind(primary)
    .bind(thread)
    .bind(now)
    .execute(&db.pool)
    .await
    .unwrap();

    admin::change_role(db, &riley, &from(), casey, "caregiver")
        .await
        .unwrap();
    let held = |table: &str, column: &str| {
        format!("SELECT COUNT(*) FROM {table} WHERE {column} = {casey}")
    };
    assert_eq!(count(db, &held("team_members", "user_id")).await, 0);
    assert_eq!(count(db, &held("coverage", "covering_user_id")).await, 0);
    assert_eq!(count(db, &held("drafts", "author_id")).await, 0);
    let (_, _, _, audit) = last_audit(db, "team_member_removed").await;
    assert_eq!(audit["before"]["team_role"], "member");
    assert_eq!(
        count(
            db,
            &format!("SELECT COUNT(*) FROM audit_events WHERE action = 'draft_deleted' AND actor_id = {}", riley.user().id)
        )
        .await,
        1
    );

    let sam = user(db, "caregiver@example.com").await;
    admin::change_role(db, &riley, &from(), sam.id, "veteran")
        .await
        .unwrap();
    assert_eq!(
        count(
            db,
            &format!(
                "SELECT COUNT(*) FROM caregiver_grants WHERE caregiver_id = {} AND revoked_at IS NULL",
                sam.id
            )
        )
        .await,
        0
    );
    let (_, _, _, audit) = last_audit(db, "caregiver_access_revoked").await;
    assert!(audit["after"]["revoked_at"].is_i64());
}

on_both_databases!(
    a_new_role_ends_what_the_old_one_held,
    facilities_are_added_and_edited_with_unique_station_numbers,
    care_teams_are_filtered_counted_added_and_edited,
    members_are_added_as_member_or_lead_and_removed,
    an_association_lets_a_veteran_write_and_blocking_stops_it,
    csv_import_previews_every_line_and_imports_all_or_nothing,
    an_invitation_link_sets_a_password_once,
    deactivation_ends_every_session_at_once,
    the_last_active_administrator_cannot_be_deactivated_or_demoted,
    two_administrators_racing_to_deactivate_each_other_leave_one,
    caregiver_access_is_granted_and_revoked_at_once,
);
