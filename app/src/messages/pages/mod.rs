//! The Veteran's (and caregiver's) messaging pages, one file each.

pub mod compose;
pub mod drafts_page;
pub mod folder_page;
pub mod my_folders;
pub mod reply_box;
pub mod search_page;
pub mod settings_caregivers;
pub mod settings_signature;
pub mod thread_list;
pub mod thread_page;
pub mod urgent_notice;
