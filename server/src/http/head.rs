//! `HEAD`: every GET route answers it as RFC 9110 §9.3.2 says, with the status and headers
//! the GET would have, and no body. The GET runs; its body is dropped unread.

use std::task::{Context, Poll};

use futures_util::future::BoxFuture;
use http::{HeaderValue, Method, Request, Response, header};
use http_body::Body;

/// Wraps the REST service: a `HEAD` request is served as its `GET`, without the body.
#[derive(Clone)]
pub struct HeadAsGet<S>(pub S);

impl<S, B, RB> tower::Service<Request<B>> for HeadAsGet<S>
where
    S: tower::Service<Request<B>, Response = Response<RB>>,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    RB: Body + Default + Send + 'static,
{
    type Response = Response<RB>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Response<RB>, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        let head = req.method() == Method::HEAD;
        if head {
            *req.method_mut() = Method::GET;
        }
        let answer = self.0.call(req);
        Box::pin(async move {
            let response = answer.await?;
            Ok(if head {
                without_body(response)
            } else {
                response
            })
        })
    }
}

/// The response's head as it is, with the length its body would have had.
fn without_body<RB: Body + Default>(mut response: Response<RB>) -> Response<RB> {
    if !response.headers().contains_key(header::CONTENT_LENGTH)
        && let Some(length) = response.body().size_hint().exact()
    {
        response
            .headers_mut()
            .insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    }
    response.map(|_| RB::default())
}
