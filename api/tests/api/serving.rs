//! Graceful shutdown: in-flight requests finish, new connections are refused.

use crate::each_backend;
use crate::helpers::*;
use api::App;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

each_backend!(shutdown_lets_an_in_flight_request_finish_and_refuses_new_ones, |backend| {
    let Some(test_db) = test_db(backend).await else { panic!("{backend:?} is unreachable") };
    let app = App::build(test_config(&test_db.url)).await.unwrap();
    let address = app.address();
    let keys = api::auth::TokenKeys::hs256(SECRET).unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async {
        stopped.await.ok();
    }));

    let body = r#"{"query":"{ me { sub } }"}"#;
    let (head, tail) = body.split_at(10);
    let mut stream = TcpStream::connect(address).await.unwrap();
    let request = format!(
        "POST /graphql HTTP/1.1\r\nHost: ward\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{head}",
        keys.issue("alice", Duration::from_secs(60)).unwrap(),
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;

    stop.send(()).unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    stream.write_all(tail.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{backend:?}: {response}");
    assert!(response.contains(r#""sub":"alice""#), "{backend:?}: {response}");

    tokio::time::timeout(Duration::from_secs(10), server).await.unwrap().unwrap().unwrap();
    assert!(TcpStream::connect(address).await.is_err(), "{backend:?}: still accepting");
});
