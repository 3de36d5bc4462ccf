//! The REST API as warp filters: the route table by resource and the OpenAPI document generated
//! from it (`routes`), the extraction filters they share (`filters`), the replies (`reply`), the
//! one `recover` for rejections (`rejection`) and `HEAD` for every GET (`head`).

mod filters;
mod head;
mod rejection;
mod reply;
mod routes;

#[cfg(test)]
mod tests;

pub use filters::{PeerAddr, bearer as filters_bearer};
pub use head::HeadAsGet;
pub use routes::openapi::document as openapi_document;

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
    let routes = routes::all()
        .fold(none, |served, route| {
            served.or((route.filter)(ctx)).unify().boxed()
        })
        .recover(rejection::recover)
        .unify();
    // The path is read without being consumed, so the routes still see all of it.
    warp::path::full()
        .and(routes)
        .map(|path: warp::path::FullPath, response| with_allow(path.as_str(), response))
        .boxed()
}

/// A 405 says which methods the path takes (RFC 9110 §15.5.6), from the route table.
fn with_allow(path: &str, mut response: Response) -> Response {
    if response.status() == warp::http::StatusCode::METHOD_NOT_ALLOWED
        && let Some(allow) = routes::allowed(path)
        && let Ok(value) = warp::http::HeaderValue::from_str(&allow)
    {
        response
            .headers_mut()
            .insert(warp::http::header::ALLOW, value);
    }
    response
}
