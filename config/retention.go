package config

// DefaultRetentionDays is how long a creditor's closed debts and the
// personal data around them are kept: five years (README.md#retention,
// SECURITY.md "Retention and the legal basis").
const DefaultRetentionDays = 1825

// RetentionDays is the creditor's retention_days (days after a debt
// closes before its debtor is anonymised), DefaultRetentionDays when unset
// or for an unknown creditor.
func (d *Directory) RetentionDays(creditorID string) int {
	if c, ok := d.Section(creditorID); ok && c.RetentionDays > 0 {
		return c.RetentionDays
	}
	return DefaultRetentionDays
}
