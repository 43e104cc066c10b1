//! A router that remembers what it routes: every module registers its
//! routes through [`Routes`], so [`crate::route_table`] lists each (method,
//! path) the server answers, and the access-matrix test covers them all — a
//! route added without an entry in the matrix fails that test.

use axum::Router;
use axum::handler::Handler;
use axum::routing::{MethodRouter, get, post};

use crate::AppState;

pub struct Routes {
    pub(crate) router: Router<AppState>,
    pub(crate) table: Vec<(&'static str, String)>,
}

impl Routes {
    pub fn new() -> Self {
        Self { router: Router::new(), table: Vec::new() }
    }

    pub fn get<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, handler: H) -> Self {
        self.add("GET", path, get(handler))
    }

    pub fn post<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, handler: H) -> Self {
        self.add("POST", path, post(handler))
    }

    /// A POST route with its own body limit (uploads).
    pub fn post_with_limit<H: Handler<T, AppState>, T: 'static>(
        self,
        path: &'static str,
        handler: H,
        limit: axum::extract::DefaultBodyLimit,
    ) -> Self {
        self.add("POST", path, post(handler).layer(limit))
    }

    fn add(mut self, method: &'static str, path: &'static str, route: MethodRouter<AppState>) -> Self {
        self.router = self.router.route(path, route);
        self.table.push((method, path.to_owned()));
        self
    }

    pub fn merge(mut self, other: Routes) -> Self {
        self.router = self.router.merge(other.router);
        self.table.extend(other.table);
        self
    }

    pub fn nest(mut self, prefix: &str, other: Routes) -> Self {
        self.router = self.router.nest(prefix, other.router);
        self.table.extend(other.table.into_iter().map(|(m, p)| (m, format!("{prefix}{p}"))));
        self
    }
}
