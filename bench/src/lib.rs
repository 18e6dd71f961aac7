//! Load testing the sign-in flow end to end: a fast OpenID provider on loopback, a driver
//! that signs people in the way the browser does, the server run as its own process with its
//! CPU and memory read from /proc, and the closed- and open-loop runs the benchmark and the
//! soak are made of. The server's tests use the same pieces. Beside them, a keep-alive HTTP/1.1
//! driver on a minimal HTTP/1.1 client, and an axum hello-world to measure the forward-auth
//! check against; and the Flask + Authlib tutorial stack, to set a sign-in's CPU beside.

pub mod flask_authlib;
pub mod hello_world;
pub mod http1_client;
pub mod keep_alive;
pub mod load;
pub mod proc_stats;
pub mod provider;
pub mod server_process;
pub mod sign_in;
