package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRetentionDaysPerCreditor(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	yaml := "creditors:\n  - id: a\n    name: A\n    cnpj: \"11222333000181\"\n    retention_days: 3650\n  - id: b\n    name: B\n    cnpj: \"11222333000181\"\n"
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	d := NewDirectory(f)
	if got := d.RetentionDays("a"); got != 3650 {
		t.Errorf("a: %d", got)
	}
	if got := d.RetentionDays("b"); got != DefaultRetentionDays {
		t.Errorf("b (unset): %d", got)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(yaml, "3650", "-1", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadFile(path); err == nil || !strings.Contains(err.Error(), "retention_days") {
		t.Errorf("negative retention_days: %v", err)
	}
}
