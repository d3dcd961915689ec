//! TCP_NODELAY on PostgreSQL connections, which sqlx 0.9.0 no longer sets.
//!
//! sqlx dropped `set_nodelay(true)` from its TCP connect (launchbadge/sqlx#4335; the fix,
//! #4336, is not in a release yet). Over TLS — `sslmode=prefer`, the default, against any
//! server with `ssl = on`, localhost included — a message longer than one TLS record
//! (16 KiB) goes out as several writes, and Nagle's algorithm holds the last one until the
//! server ACKs the first, which Linux delays by 40 ms. So every statement over 16 KiB —
//! a webhook group commit of more than a few deliveries — took 40 ms longer: in the
//! webhook benchmark a batch of 50–60 deliveries took 90–200 ms instead of ~20.
//!
//! sqlx gives no access to its socket, so once connected we ask the server which ports it
//! sees, find our descriptor with those ports, and set the option on it. Best effort: a
//! Unix socket has no Nagle, and a proxy or NAT in between (other ports) leaves the
//! socket as sqlx made it. Drop this module once sqlx sets TCP_NODELAY again.

use sqlx::postgres::PgConnection;

/// Set TCP_NODELAY on `conn`'s socket; `true` when it was found and set.
#[cfg(target_os = "linux")]
pub(crate) async fn set(conn: &mut PgConnection) -> bool {
    use std::mem::ManuallyDrop;
    use std::os::fd::FromRawFd;

    // the server's view of this connection: our local port and its own
    let ports: Result<(Option<i32>, Option<i32>), _> =
        sqlx::query_as("SELECT inet_client_port(), inet_server_port()")
            .fetch_one(conn)
            .await;
    let Ok((Some(local), Some(remote))) = ports else {
        return false; // a Unix socket (NULL ports), or the query failed
    };
    let Ok(fds) = std::fs::read_dir("/proc/self/fd") else {
        return false;
    };
    let mut found = false;
    for entry in fds.flatten() {
        let Some(fd) = entry.file_name().to_str().and_then(|s| s.parse().ok()) else {
            continue;
        };
        // SAFETY: the descriptor is borrowed, never closed (ManuallyDrop), and only
        // getsockname, getpeername and setsockopt run on it. On a descriptor that is not
        // a TCP socket, or that another thread closed meanwhile, they fail (ENOTSOCK,
        // EBADF) and it is skipped; nothing is read or written through it.
        let sock = ManuallyDrop::new(unsafe { std::net::TcpStream::from_raw_fd(fd) });
        let ours = matches!(
            (sock.local_addr(), sock.peer_addr()),
            (Ok(l), Ok(p)) if i32::from(l.port()) == local && i32::from(p.port()) == remote
        );
        if ours && sock.set_nodelay(true).is_ok() {
            found = true;
        }
    }
    found
}

/// Elsewhere there is no `/proc/self/fd` to search: the socket stays as sqlx made it.
#[cfg(not(target_os = "linux"))]
pub(crate) async fn set(_conn: &mut PgConnection) -> bool {
    false
}
