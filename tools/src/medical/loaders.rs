//! The medical tool's loaders: a patient's care records (first page, batched across every
//! patient asking at the same depth).

use entities::care_record;

kit::first_page!(
    /// A patient's first care records, newest first.
    PatientCareRecords, care_record, patient_id, "patient_id", "t.id DESC"
);
