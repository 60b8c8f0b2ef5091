//! Role homes: what each kind of account opens first.

pub mod admin_home;
pub mod settings;
pub mod team_home;
pub mod veteran_home;

pub use admin_home::{AdminHome, AdminOverview, SystemCounts};
pub use team_home::{MyTeam, MyTeams, TeamHome};
pub use veteran_home::{CareTeamSummary, MessagingOverview, VeteranTeams};
