//! Every request's body is read to its end before a handler answers.
//!
//! A handler that refuses early (no credentials, a wrong content type, a
//! method the path does not take) leaves the body unread, and hyper then
//! closes the connection as soon as the answer is written. A client whose
//! body was still on its way — a loaded machine, a slow radio link — writes
//! into a closed socket and sees a reset instead of the refusal, and loses
//! its keep-alive connection. Reading first costs nothing for the API's
//! JSON handlers, which read the whole body anyway, and is bounded: a body
//! past the route's limit is refused with 413 and not kept.

use super::ApiError;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;

/// The layer's state: the most bytes a body may have on these routes.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

fn too_large(limit: usize) -> Response {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
        format!(
            "the request body is larger than the {limit} bytes this address takes: send less \
             (fewer documents per push, a smaller file)"
        ),
    )
    .into_response()
}

/// How far past its limit a body is still read, and thrown away, so that
/// its client hears the 413 rather than a reset; a body larger still is cut
/// off by closing the connection.
const DRAIN_PAST_LIMIT: u64 = 1024 * 1024;

/// The most a body's buffer is given before its bytes arrive.
const INITIAL_ROOM: u64 = 256 * 1024;

/// Reads the whole body (up to the limit), then passes the request on with
/// the bytes in place of the stream.
pub async fn read_whole(
    State(BodyLimit(limit)): State<BodyLimit>,
    req: Request,
    next: Next,
) -> Response {
    let (parts, mut body) = req.into_parts();
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let cut_off = limit as u64 + DRAIN_PAST_LIMIT;
    if declared.is_some_and(|n| n > cut_off) {
        return too_large(limit);
    }
    // Room for what is announced, but not more than a push usually holds up
    // front: an announcement alone must not reserve 16 MiB.
    let room = declared.map_or(0, |n| n.min(limit as u64).min(INITIAL_ROOM));
    let mut bytes = Vec::with_capacity(room as usize);
    let mut seen = 0u64;
    while let Some(frame) = body.frame().await {
        let frame = match frame {
            Ok(frame) => frame,
            Err(e) => {
                return ApiError::bad_request(
                    "invalid_body",
                    format!("the request body could not be read to its end ({e}): send it again"),
                )
                .into_response();
            }
        };
        let Some(data) = frame.data_ref() else {
            continue;
        };
        seen += data.len() as u64;
        if seen > cut_off {
            return too_large(limit);
        }
        if seen <= limit as u64 {
            bytes.extend_from_slice(data);
        }
    }
    if seen > limit as u64 {
        return too_large(limit);
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}
