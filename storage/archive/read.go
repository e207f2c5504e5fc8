package archive

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/quita-bot/quita/storage"
)

// Transcript returns the archived messages of a conversation, oldest
// first: the last limit of them (all when limit <= 0), each as Redis held
// it, with its latest delivery status and the template it went as.
func (db *DB) Transcript(ctx context.Context, conv string, limit int) ([]storage.Message, error) {
	return db.transcript(ctx, conv, -1, limit)
}

// Before is storage.ColdHistory: the archived messages before position base.
func (db *DB) Before(ctx context.Context, conv string, base, limit int) ([]storage.Message, error) {
	return db.transcript(ctx, conv, base, limit)
}

// transcript reads messages with seq < before (any when before < 0).
func (db *DB) transcript(ctx context.Context, conv string, before, limit int) ([]storage.Message, error) {
	q := `SELECT raw, status, error_code, template, category FROM messages WHERE conversation = $1`
	args := []any{conv}
	if before >= 0 {
		args = append(args, before)
		q += ` AND seq < $2`
	}
	q += ` ORDER BY seq DESC, at DESC, id DESC`
	if limit > 0 {
		args = append(args, limit)
		q += ` LIMIT $` + strconv.Itoa(len(args))
	}
	rows, err := db.sql.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("archive transcript: %w", err)
	}
	defer rows.Close()
	var out []storage.Message
	for rows.Next() {
		var raw, status, code, tmpl, cat string
		if err := rows.Scan(&raw, &status, &code, &tmpl, &cat); err != nil {
			return nil, fmt.Errorf("archive transcript: %w", err)
		}
		var m storage.Message
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			return nil, fmt.Errorf("archive transcript of a message: %w", err)
		}
		m.Status, m.ErrorCode = status, code
		if tmpl != "" {
			m.Template, m.Category = tmpl, cat
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("archive transcript: %w", err)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

// Count is how many rows a table holds (reports, tests, backfill progress).
func (db *DB) Count(ctx context.Context, table string) (int64, error) {
	if !knownTable(table) {
		return 0, fmt.Errorf("archive: no table %q", table)
	}
	var n int64
	err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM `+table).Scan(&n)
	return n, err
}

// Tables are the archive's tables, in schema order.
var Tables = []string{"debtors", "debts", "charges", "payments", "agreements", "installments", "promises", "conversations",
	"messages", "message_statuses", "handoffs", "optouts", "consents", "csat", "gate_decisions", "events", "subject_audit"}

func knownTable(t string) bool {
	for _, k := range Tables {
		if k == t {
			return true
		}
	}
	return false
}
