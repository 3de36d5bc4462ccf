//! The REST API as warp filters: the route table by resource (`routes`), the extraction
//! filters they share (`filters`), the replies (`reply`), the one `recover` for rejections
//! (`rejection`) and the generated OpenAPI document (`openapi`).

mod filters;
mod openapi;
mod rejection;
mod reply;
mod routes;

#[cfg(test)]
mod tests;

pub use filters::{PeerAddr, bearer as filters_bearer};
pub use openapi::document as openapi_document;

use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use crate::state::AppState;
use filters::Ctx;

/// Every REST route, answering rejections in the NestJS error shape.
pub fn routes(state: AppState) -> BoxedFilter<(Response,)> {
    router(&Ctx::new(state))
}

/// The routes of the table, tried in turn. A request no route takes is answered by the
/// most relevant rejection: any other before 405, 405 before 404 (warp's ordering).
fn router(ctx: &Ctx) -> BoxedFilter<(Response,)> {
    // `not_found` is the weakest rejection, so starting from it changes no answer.
    let none = warp::any()
        .and_then(|| async { Err::<Response, _>(warp::reject::not_found()) })
        .boxed();
    routes::all()
        .fold(none, |served, route| {
            served.or((route.filter)(ctx)).unify().boxed()
        })
        .recover(rejection::recover)
        .unify()
        .boxed()
}
