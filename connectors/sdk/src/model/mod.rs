//! The canonical model every connector speaks. Money is `rust_decimal`.

mod crm;
mod finance;
mod money;
mod record;

pub use crm::*;
pub use finance::*;
pub use money::*;
pub use record::*;
