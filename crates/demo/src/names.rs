//! Fictional names and places for the demo. Any likeness to a real child is chance.

pub(crate) const GIVEN: &[&str] = &[
    "Oliver", "Amelia", "Noah", "Isla", "Muhammad", "Ava", "Leo", "Freya", "Arthur", "Lily",
    "Oscar", "Ivy", "Harry", "Florence", "Jack", "Sophia", "Theo", "Mia", "Charlie", "Evie",
    "Alfie", "Aisha", "Jacob", "Zara", "Riley", "Grace", "Archie", "Willow", "Ethan", "Maya",
    "Kacper", "Amira", "Reuben", "Chloe", "Samuel", "Poppy", "Yusuf", "Ella", "Tomasz", "Harper",
    "Kai", "Nia", "Dylan", "Layla", "Finley", "Ruby", "Ibrahim", "Hannah", "Joshua", "Priya",
];

pub(crate) const FAMILY: &[&str] = &[
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel",
    "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall",
    "Wood", "Jackson", "Clarke", "Khan", "Hussain", "Ali", "Kowalski", "Nowak", "Begum", "Singh",
    "Shah", "Campbell", "Mensah", "Okafor", "Harris", "Lewis", "Martin", "Cooper", "King", "Baker",
    "Hill", "Moore", "Ward", "Turner", "Parker", "Edwards", "Hughes", "Morgan", "Price",
];

/// SEN2/CBDS ethnicity codes with rough weights for an East Midlands city.
pub(crate) const ETHNICITY: &[(&str, u32)] = &[
    ("WBRI", 620),
    ("WOTH", 60),
    ("APKN", 70),
    ("AIND", 30),
    ("AOTH", 20),
    ("BAFR", 40),
    ("BCRB", 15),
    ("MWBC", 40),
    ("MWAS", 15),
    ("MOTH", 25),
    ("WROM", 15),
    ("OOTH", 10),
    ("REFU", 10),
    ("NOBT", 30),
];

pub(crate) const TRUSTS: &[&str] = &["Meadowbrook", "Riverside", "Kingsmoor", "Oakfield"];

pub(crate) const TEAM_NAMES: &[&str] = &[
    "North",
    "South",
    "East",
    "West",
    "Central",
    "Early Years",
    "Post-16",
    "Transfers",
];

const PLACES: &[&str] = &[
    "Ashby",
    "Birchwood",
    "Carlow",
    "Dunmore",
    "Elmstead",
    "Fernhill",
    "Greystone",
    "Hollins",
    "Ivybridge",
    "Juniper",
    "Kestrel",
    "Larkfield",
    "Millbrook",
    "Northgate",
    "Orchard",
    "Pinewood",
    "Queensway",
    "Redhill",
    "Stonebridge",
    "Thornton",
    "Underwood",
    "Valley",
    "Westbury",
    "Yarrow",
    "Alder",
    "Beacon",
    "Copperfield",
    "Dovecote",
    "Eastfield",
    "Foxglove",
    "Glebe",
    "Heron",
    "Kingfisher",
    "Lowfield",
    "Moorside",
    "Newlands",
    "Oakwood",
    "Parkside",
    "Rowan",
    "Saxon",
    "Tanners",
    "Wren",
];

pub(crate) fn place(i: u64) -> &'static str {
    PLACES[(i as usize) % PLACES.len()]
}

const AREA_STEMS: &[&str] = &[
    "Northmoor",
    "Eastwick",
    "Westdale",
    "Southvale",
    "Ambridge",
    "Casterbridge",
    "Midhurst",
    "Ravensby",
];

/// A fictional area name; the first is the demo's main area.
pub(crate) fn area_name(index: u32) -> String {
    let stem = AREA_STEMS[(index as usize) % AREA_STEMS.len()];
    match index as usize / AREA_STEMS.len() {
        0 => stem.to_string(),
        n => format!("{stem} {}", n + 1),
    }
}
