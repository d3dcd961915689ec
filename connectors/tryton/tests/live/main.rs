//! Tests against a real trytond (started by `scripts/tryton.sh`); each test
//! skips with a notice when no server is configured.

mod books;
mod fixtures;
mod invoices;
mod parties;
mod payments;
mod server;
mod session;
mod target;
