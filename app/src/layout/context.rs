//! What every page needs to know: who is signed in and whether this is the demo.

use crate::auth::SignedInUser;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PageContext {
    pub user: Option<SignedInUser>,
    pub demo: bool,
}

/// Answers about the person asking only: nothing here needs a capability.
#[server(endpoint = "load_page_context")]
pub async fn load_page_context() -> Result<PageContext, AppError> {
    use crate::server::access::{app_state, requester};
    let state = app_state()?;
    Ok(PageContext {
        user: requester().user,
        demo: state.config.demo,
    })
}

/// The page context resource provided by `Layout`.
pub fn use_page_context() -> Resource<Result<PageContext, AppError>> {
    expect_context::<Resource<Result<PageContext, AppError>>>()
}
