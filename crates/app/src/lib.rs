//! sendscope's application layer: what the pages, the API and the command line do, once.
//! Commands change records (each through the store's append, with the domain's
//! decisions inside its transaction); read models gather what a page or report shows.
//! No HTTP and no HTML: the web and command-line crates parse, call this, and render.

pub mod access;
pub mod accounts;
pub mod advice;
pub mod benchmarks;
pub mod board;
pub mod capital;
pub mod caseload;
pub mod complaints;
pub mod compliance;
pub mod consultations;
pub mod corrections;
pub mod demo;
pub mod documents;
pub mod education;
pub mod family;
pub mod figures;
pub mod filter_options;
pub mod intake;
pub mod merge;
pub mod partnership;
pub mod partnership_demo;
pub mod people;
pub mod placement;
pub mod programmes;
pub mod provisions;
pub mod queue;
pub mod registers;
pub mod retention;
pub mod sen2;
pub mod sen2_import;
pub mod setup;
pub mod steps;
pub mod subject_access;
pub mod trajectories;
pub mod waits;
pub mod whole_child;

/// Rows as CSV text (through the `csv` crate: fields quoted where they must be; each
/// made safe for spreadsheets, `sendscope_domain::spreadsheet_safe`).
pub(crate) fn csv_text<I, R>(rows: I) -> String
where
    I: IntoIterator<Item = R>,
    R: IntoIterator,
    R::Item: AsRef<[u8]>,
{
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        // Every cell as text a spreadsheet will not run as a formula.
        let cells: Vec<String> = r
            .into_iter()
            .map(|c| {
                sendscope_domain::spreadsheet_safe(&String::from_utf8_lossy(c.as_ref()))
                    .into_owned()
            })
            .collect();
        // Writing to memory cannot fail for want of space or a reader.
        let _ = w.write_record(cells);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}
