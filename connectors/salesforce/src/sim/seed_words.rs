//! The vocabulary seeded records are made of: names, places, products and
//! their prices, currencies with their rates.

/// Currency weights and rates from USD list prices (JPY has no minor unit).
pub const RATES: [(&str, u32, &str, u32); 6] = [
    ("USD", 55, "1", 2),
    ("EUR", 15, "0.92", 2),
    ("GBP", 10, "0.79", 2),
    ("AUD", 8, "1.52", 2),
    ("JPY", 6, "150", 0),
    ("NZD", 6, "1.66", 2),
];
pub const WORDS: [&str; 16] = [
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Northwind",
    "Contoso",
    "Tyrell",
    "Cyberdyne",
    "Hooli",
    "Vandelay",
    "Soylent",
    "Wonka",
    "Gringotts",
    "Aperture",
];
pub const SUFFIXES: [&str; 5] = ["Ltd", "Inc", "GmbH", "Pty Ltd", "LLC"];
pub const FIRST: [&str; 12] = [
    "Ada", "Alan", "Grace", "Linus", "Margaret", "Ken", "Barbara", "Dennis", "Frances", "Edsger",
    "Radia", "John",
];
pub const LAST: [&str; 12] = [
    "Lovelace", "Turing", "Hopper", "Torvalds", "Hamilton", "Thompson", "Liskov", "Ritchie",
    "Allen", "Dijkstra", "Perlman", "Backus",
];
pub const COUNTRIES: [&str; 7] = [
    "United States",
    "United Kingdom",
    "Germany",
    "France",
    "Australia",
    "Japan",
    "New Zealand",
];
/// Name, code, family, USD list price.
pub const PRODUCTS: [(&str, &str, &str, u32); 12] = [
    ("Platform licence", "PL-100", "Licence", 1200),
    ("Support plan", "SP-200", "Service", 300),
    ("Onboarding", "ON-300", "Service", 2500),
    ("Training day", "TD-400", "Service", 900),
    ("Hardware gateway", "HW-500", "Hardware", 450),
    ("Sensor pack", "SN-600", "Hardware", 120),
    ("API add-on", "AP-700", "Licence", 600),
    ("Consulting hour", "CH-800", "Service", 180),
    ("Data migration", "DM-900", "Service", 3200),
    ("Extra seats", "ES-110", "Licence", 40),
    ("Rack kit", "RK-120", "Hardware", 75),
    ("Premium SLA", "PS-130", "Service", 1500),
];
pub const USERS: [(&str, &str); 6] = [
    ("Integration", "User"),
    ("Sam", "Seller"),
    ("Alex", "Account"),
    ("Robin", "Renewals"),
    ("Jo", "Jones"),
    ("Kim", "Kowalski"),
];
