//! What the administration pages and server functions exchange. None of it holds message
//! subjects, bodies or attachments: administrators run the system, they do not read
//! messages (DESIGN.md §2 "Administration").

use crate::auth::Role;
use serde::{Deserialize, Serialize};

/// Response target in business days (DESIGN.md §2 "Service level"; the database checks it).
pub const RESPONSE_TARGET_MIN_DAYS: i64 = 1;
pub const RESPONSE_TARGET_MAX_DAYS: i64 = 30;
/// How long a one-time set-password link (an invitation or a reset) works: a day at most,
/// so a link left in a mailbox or a browser's history soon stops opening the account
/// (ASVS 2.3.1, 2.5.x).
pub const PASSWORD_LINK_HOURS: i64 = 24;
/// The header a Veteran–team import file starts with.
pub const IMPORT_HEADER: [&str; 3] = ["veteran_email", "team_name", "facility_station"];
/// The column an import file may add after [`IMPORT_HEADER`]: the Veteran's date of birth
/// (`YYYY-MM-DD`, or empty to leave the record as it is).
pub const IMPORT_DATE_OF_BIRTH: &str = "date_of_birth";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Facility {
    #[cfg_attr(feature = "ssr", sqlx(rename = "id"))]
    pub facility_id: i64,
    pub station_number: String,
    pub name: String,
    pub time_zone: String,
    /// What Veterans are told to call when they cannot write ("" until set).
    pub phone: String,
}

/// A facility as typed in the form, before it is checked.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacilityInput {
    pub station_number: String,
    pub name: String,
    pub time_zone: String,
    pub phone: String,
}

/// The care team list's filters; `None` means "any".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamFilter {
    pub facility_id: Option<i64>,
    pub name: Option<String>,
    pub accepting: Option<bool>,
}

/// One care team with its workload, counted like the team inbox counts it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamSummary {
    pub team_id: i64,
    pub facility_id: i64,
    pub facility_name: String,
    pub station_number: String,
    pub name: String,
    pub description: String,
    pub accepting_messages: bool,
    pub response_target_days: i64,
    pub open: i64,
    pub overdue: i64,
    pub unassigned: i64,
}

/// A care team as typed in the form. The response target stays text until checked, so a
/// wrong entry comes back to the person as they typed it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamInput {
    pub facility_id: Option<i64>,
    pub name: String,
    pub description: String,
    pub accepting_messages: bool,
    pub response_target_days: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TeamRole {
    Member,
    Lead,
}

impl TeamRole {
    /// The value stored in `team_members.team_role`.
    pub fn as_str(self) -> &'static str {
        match self {
            TeamRole::Member => "member",
            TeamRole::Lead => "lead",
        }
    }
    pub fn parse(value: &str) -> Option<TeamRole> {
        match value {
            "member" => Some(TeamRole::Member),
            "lead" => Some(TeamRole::Lead),
            _ => None,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            TeamRole::Member => "Member",
            TeamRole::Lead => "Lead",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamMemberRow {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub team_role: TeamRole,
    pub active: bool,
}

/// A Veteran who may write to the team (or could, until blocked).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssociationRow {
    pub veteran_id: i64,
    pub name: String,
    pub email: String,
    pub blocked: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamDetail {
    pub team: TeamSummary,
    pub members: Vec<TeamMemberRow>,
    pub associations: Vec<AssociationRow>,
}

/// What the import would do with one line of the file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImportVerdict {
    /// The Veteran will be able to write to the team.
    WillAdd,
    /// Nothing to do, and why (already associated).
    NoChange(String),
    /// The line cannot be imported, and why.
    Rejected(String),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportLine {
    /// The line number in the file, counting the header as line 1.
    pub line: u64,
    pub veteran_email: String,
    pub team_name: String,
    pub facility_station: String,
    pub verdict: ImportVerdict,
    /// The date of birth (`YYYY-MM-DD`) the import writes on the Veteran's record: given on
    /// the line, valid, and not what the record holds already.
    pub sets_date_of_birth: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportPreview {
    pub lines: Vec<ImportLine>,
}

impl ImportPreview {
    pub fn will_add(&self) -> usize {
        self.count(|v| matches!(v, ImportVerdict::WillAdd))
    }
    pub fn rejected(&self) -> usize {
        self.count(|v| matches!(v, ImportVerdict::Rejected(_)))
    }
    pub fn unchanged(&self) -> usize {
        self.count(|v| matches!(v, ImportVerdict::NoChange(_)))
    }
    fn count(&self, which: impl Fn(&ImportVerdict) -> bool) -> usize {
        self.lines.iter().filter(|l| which(&l.verdict)).count()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRow {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub active: bool,
    /// False for an invited person who has not set a password yet (or after a reset).
    pub has_password: bool,
    /// Two-step verification is on (set up and confirmed with a code), or the person has a
    /// passkey: "Reset MFA" then removes both, for a lost phone.
    pub mfa_on: bool,
    /// A Veteran's date of birth, `YYYY-MM-DD`, when on the record.
    pub date_of_birth: Option<String>,
}

/// A live caregiver grant, seen from either side.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaregiverGrantRow {
    pub grant_id: i64,
    pub caregiver_name: String,
    pub caregiver_email: String,
    pub veteran_name: String,
    pub veteran_email: String,
    pub granted_at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserDetail {
    pub user: UserRow,
    /// Care teams the person is on (clinicians) as (team id, team name, role).
    pub teams: Vec<(i64, String, TeamRole)>,
    /// Live grants where the person is the caregiver or the Veteran.
    pub grants: Vec<CaregiverGrantRow>,
}

/// A person as typed in the invitation form.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteInput {
    pub email: String,
    pub name: String,
    pub role: String,
}

/// What a set-password link is now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PasswordLinkState {
    /// It works, for this person.
    Works(PasswordLinkHolder),
    /// Unused, but older than [`PASSWORD_LINK_HOURS`].
    Expired,
    /// Used, replaced by a newer one, for a deactivated account, or no link at all.
    Dead,
}

/// What the set-password page shows about a link that still works.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordLinkHolder {
    pub name: String,
    pub email: String,
}
