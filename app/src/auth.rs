//! Who is signed in, what role they have, and which parts of the site each role may open.
//!
//! This module is shared by the server (which enforces it) and the browser (which only uses
//! it to draw the right navigation). Enforcement lives in `server::access`.

use serde::{Deserialize, Serialize};

/// The four kinds of people who use the system (DESIGN.md §1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    Veteran,
    Caregiver,
    Clinician,
    Administrator,
}

impl Role {
    /// The value stored in `users.role`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Veteran => "veteran",
            Role::Caregiver => "caregiver",
            Role::Clinician => "clinician",
            Role::Administrator => "administrator",
        }
    }

    pub fn parse(value: &str) -> Option<Role> {
        match value {
            "veteran" => Some(Role::Veteran),
            "caregiver" => Some(Role::Caregiver),
            "clinician" => Some(Role::Clinician),
            "administrator" => Some(Role::Administrator),
            _ => None,
        }
    }

    /// Where a person of this role lands after signing in.
    pub fn home(self) -> &'static str {
        match self {
            Role::Veteran | Role::Caregiver => "/inbox",
            Role::Clinician => "/team",
            Role::Administrator => "/admin",
        }
    }

    /// How the role is named to people.
    pub fn label(self) -> &'static str {
        match self {
            Role::Veteran => "Veteran",
            Role::Caregiver => "Caregiver",
            Role::Clinician => "Care team",
            Role::Administrator => "Administrator",
        }
    }
}

/// The signed-in person, as the pages see them. Loaded from the database on every request,
/// so a deactivated account stops working at once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct SignedInUser {
    pub id: i64,
    pub name: String,
    pub email: String,
    #[cfg_attr(feature = "ssr", sqlx(try_from = "String"))]
    pub role: Role,
    /// The IANA time zone every date and time is shown in for this person: their own
    /// choice, else their facility's.
    pub time_zone: String,
}

/// The parts of the site, each open to some roles only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Area {
    /// Open to everybody, signed in or not: sign-in, health checks, static files.
    Public,
    /// Any signed-in person (e.g. the account settings).
    Account,
    /// The Veteran's messages, used by Veterans and by caregivers acting for one.
    Messages,
    /// The care team workspace.
    Team,
    /// The administration console.
    Admin,
}

impl Area {
    pub fn admits(self, role: Role) -> bool {
        match self {
            Area::Public | Area::Account => true,
            Area::Messages => matches!(role, Role::Veteran | Role::Caregiver),
            Area::Team => role == Role::Clinician,
            Area::Admin => role == Role::Administrator,
        }
    }
}

/// Whether `path` starts with the segment `prefix` (so `/admin` matches `/admin/users` but
/// not `/administrivia`).
fn under(path: &str, prefix: &str) -> bool {
    path == prefix
        || path
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// The area a request path belongs to. Server functions (`/api/…`) are `Account`: they
/// authorize themselves, each with its own capability (STYLE.md habit 2).
pub fn area_for_path(path: &str) -> Area {
    const PUBLIC_FILES: [&str; 3] = ["/favicon.ico", "/robots.txt", "/favicon.svg"];
    // Server functions that must answer before sign-in: signing in itself, the page
    // frame, which says "nobody" to a signed-out visitor, and setting a password through
    // a one-time link (the link's token is the proof; the person has no password yet), the
    // code step of signing in, with a code or a recovery code (the pending sign-in in the
    // session is the proof), and asking for a reset link by email ("Forgot your
    // password?": the email is the proof), and signing in with a passkey (the passkey is
    // the proof).
    const PUBLIC_API: [&str; 11] = [
        "/api/sign_in",
        "/api/forgot_password",
        "/api/sign_in_code",
        "/api/sign_in_recovery_code",
        "/api/sign_in_code_expected",
        "/api/passkey_sign_in_options",
        "/api/passkey_second_step_options",
        "/api/passkey_sign_in",
        "/api/load_page_context",
        "/api/password_link_check",
        "/api/set_password",
    ];
    if under(path, "/sign-in")
        || path == "/set-password"
        || PUBLIC_API.contains(&path)
        || path == "/healthz"
        || path == "/readyz"
        || under(path, "/pkg")
        || under(path, "/assets")
        || PUBLIC_FILES.contains(&path)
    {
        return Area::Public;
    }
    const MESSAGE_PATHS: [&str; 8] = [
        "/inbox",
        "/sent",
        "/drafts",
        "/trash",
        "/folders",
        "/messages",
        "/compose",
        "/search",
    ];
    if MESSAGE_PATHS.iter().any(|prefix| under(path, prefix)) {
        return Area::Messages;
    }
    if under(path, "/team") {
        return Area::Team;
    }
    if under(path, "/admin") {
        return Area::Admin;
    }
    Area::Account
}

/// A `next` address is followed after sign-in only when it is a path on this site:
/// anything else could send a person to a look-alike site (open redirect, ASVS 5.1.5).
pub fn safe_next(next: Option<&str>) -> Option<&str> {
    let next = next?.trim();
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(char::is_control)
        && !under(next.split(['?', '#']).next().unwrap_or(""), "/sign-in");
    local.then_some(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_lands_on_its_home() {
        assert_eq!(Role::Veteran.home(), "/inbox");
        assert_eq!(Role::Caregiver.home(), "/inbox");
        assert_eq!(Role::Clinician.home(), "/team");
        assert_eq!(Role::Administrator.home(), "/admin");
    }

    #[test]
    fn roles_round_trip_through_their_stored_names() {
        for role in [
            Role::Veteran,
            Role::Caregiver,
            Role::Clinician,
            Role::Administrator,
        ] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("superuser"), None);
    }

    #[test]
    fn areas_follow_path_segments_not_prefixes() {
        assert_eq!(area_for_path("/admin"), Area::Admin);
        assert_eq!(area_for_path("/admin/users"), Area::Admin);
        assert_eq!(area_for_path("/administrivia"), Area::Account);
        assert_eq!(area_for_path("/team"), Area::Team);
        assert_eq!(area_for_path("/teams"), Area::Account);
        assert_eq!(area_for_path("/inbox"), Area::Messages);
        assert_eq!(area_for_path("/folders/42"), Area::Messages);
        assert_eq!(area_for_path("/sign-in"), Area::Public);
        assert_eq!(area_for_path("/sign-in/code"), Area::Public);
        assert_eq!(area_for_path("/api/sign_in_code"), Area::Public);
        assert_eq!(area_for_path("/two-step-verification"), Area::Account);
        assert_eq!(area_for_path("/api/two_step_turn_off"), Area::Account);
        assert_eq!(area_for_path("/pkg/app.wasm"), Area::Public);
        assert_eq!(area_for_path("/healthz"), Area::Public);
        assert_eq!(area_for_path("/api/sign_out"), Area::Account);
        assert_eq!(area_for_path("/api/sign_in"), Area::Public);
        assert_eq!(area_for_path("/api/sign_in/x"), Area::Account);
    }

    #[test]
    fn only_the_right_roles_enter_each_area() {
        assert!(Area::Messages.admits(Role::Veteran));
        assert!(Area::Messages.admits(Role::Caregiver));
        assert!(!Area::Messages.admits(Role::Clinician));
        assert!(!Area::Messages.admits(Role::Administrator));
        assert!(Area::Team.admits(Role::Clinician));
        assert!(!Area::Team.admits(Role::Veteran));
        assert!(Area::Admin.admits(Role::Administrator));
        assert!(!Area::Admin.admits(Role::Clinician));
        assert!(!Area::Admin.admits(Role::Veteran));
    }

    #[test]
    fn next_must_stay_on_this_site() {
        assert_eq!(safe_next(Some("/sent")), Some("/sent"));
        assert_eq!(
            safe_next(Some("/folders/3?page=2")),
            Some("/folders/3?page=2")
        );
        assert_eq!(safe_next(Some("//evil.example")), None);
        assert_eq!(safe_next(Some("/\\evil.example")), None);
        assert_eq!(safe_next(Some("https://evil.example/")), None);
        assert_eq!(safe_next(Some("/sign-in")), None);
        assert_eq!(safe_next(Some("/inbox\r\nSet-Cookie: x")), None);
        assert_eq!(safe_next(None), None);
    }
}
