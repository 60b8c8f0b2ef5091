//! `multipart/form-data` bodies, built part by part as a browser builds them.

use axum::body::Body;
use axum::http::{header, request, Request};

const BOUNDARY: &str = "----sm-test-boundary-7MA4YWxkTrZu0gW";

/// A multipart form: text fields and files, in the order they are added.
#[derive(Default)]
pub struct Multipart {
    body: Vec<u8>,
}

impl Multipart {
    pub fn new() -> Multipart {
        Multipart::default()
    }

    /// A text field.
    pub fn text(mut self, name: &str, value: &str) -> Multipart {
        self.body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
        self
    }

    /// A file field `name` holding `bytes` as the file `file_name` (an empty name and no
    /// bytes: the part a browser sends when no file was chosen).
    pub fn file(
        mut self,
        name: &str,
        file_name: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> Multipart {
        self.body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\n\
                 Content-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        self.body.extend_from_slice(bytes);
        self.body.extend_from_slice(b"\r\n");
        self
    }

    /// The request `builder` starts, from our own origin, carrying this form.
    pub(super) fn request(
        mut self,
        builder: request::Builder,
        cookie: Option<&str>,
    ) -> Request<Body> {
        self.body
            .extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        let mut builder = builder
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .header("sec-fetch-site", "same-origin");
        if let Some(cookie) = cookie {
            builder = builder.header(header::COOKIE, cookie);
        }
        builder.body(Body::from(self.body)).unwrap()
    }
}
