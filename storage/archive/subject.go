package archive

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/quita-bot/quita/storage"
)

// Subjects answers data subjects (LGPD art. 18): what is held about a
// person (art. 18 I–II, access) and their anonymisation (art. 18 IV and
// VI), across Redis and the archive. Every export and erasure is audited
// in subject_audit (art. 37, records of processing).
type Subjects struct {
	Store  *storage.Store
	DB     *DB // nil: Redis only
	Hasher storage.SubjectHasher
	Now    func() time.Time
}

// ErrNoSubject means no debtor, in Redis or the archive, has the CPF.
var ErrNoSubject = errors.New("no debtor with this CPF")

// Export is the one JSON document of everything held about a person.
type Export struct {
	CPF         string                      `json:"cpf"`
	GeneratedAt time.Time                   `json:"generated_at"`
	Redis       *storage.RedisSubject       `json:"redis,omitempty"`   // hot state
	Archive     map[string][]map[string]any `json:"archive,omitempty"` // table → rows
	Notes       []string                    `json:"notes"`
}

// Erasure says what an erasure changed.
type Erasure struct {
	CPF        string           `json:"cpf,omitempty"`
	DebtorIDs  []string         `json:"debtor_ids"`
	Phones     int              `json:"phones"`
	Archive    map[string]int64 `json:"archive_rows_anonymised"`
	ErasedAt   time.Time        `json:"erased_at"`
	KeptReason string           `json:"kept"`
}

// NormalizeCPF keeps a CPF's digits; it must have 11.
func NormalizeCPF(s string) (string, error) {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	if b.Len() != 11 {
		return "", badInput{fmt.Errorf("a CPF has 11 digits (got %d)", b.Len())}
	}
	return b.String(), nil
}

// badInput is an error in what the caller sent (the API answers 400).
type badInput struct{ error }

// BadRequest marks the error as the caller's.
func (badInput) BadRequest() bool { return true }

func (s *Subjects) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// who is a subject's keys in both stores.
type who struct {
	debtors, phones []string
	redis           *storage.RedisSubject
}

func (s *Subjects) find(ctx context.Context, cpf string) (who, error) {
	var w who
	rs, err := s.Store.Subject(ctx, cpf)
	switch {
	case err == nil:
		w.redis = &rs
		w.debtors = append(w.debtors, rs.Debtor.ID)
		w.phones = append(w.phones, rs.Debtor.Phones...)
	case !errors.Is(err, storage.ErrNotFound):
		return w, err
	}
	if s.DB != nil {
		rows, err := s.DB.sql.QueryContext(ctx, `SELECT id, phones FROM debtors WHERE cpf = $1`, cpf)
		if err != nil {
			return w, fmt.Errorf("archive: find subject: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id, phones string
			if err := rows.Scan(&id, &phones); err != nil {
				return w, err
			}
			w.debtors = appendNew(w.debtors, id)
			for _, p := range strings.Split(phones, ",") {
				if p != "" {
					w.phones = appendNew(w.phones, p)
				}
			}
		}
		if err := rows.Err(); err != nil {
			return w, err
		}
	}
	if len(w.debtors) == 0 {
		return w, ErrNoSubject
	}
	return w, nil
}

func appendNew(l []string, v string) []string {
	for _, x := range l {
		if x == v {
			return l
		}
	}
	return append(l, v)
}

// Export gathers everything held about the person with this CPF and
// audits the export (actor: who asked).
func (s *Subjects) Export(ctx context.Context, cpf, actor string) (Export, error) {
	cpf, err := NormalizeCPF(cpf)
	if err != nil {
		return Export{}, err
	}
	w, err := s.find(ctx, cpf)
	if err != nil {
		return Export{}, err
	}
	out := Export{CPF: cpf, GeneratedAt: s.now().UTC(), Redis: w.redis,
		Notes: []string{"redis: the live state (debtor record, debts, transcripts, opt-outs, dialog states, handoffs)",
			"archive: every table's rows about this person (messages with every delivery status and actor)"}}
	if s.DB != nil {
		if out.Archive, err = s.DB.subjectRows(ctx, w, s.Hasher.Hash(cpf)); err != nil {
			return Export{}, err
		}
	}
	return out, s.audit(ctx, actor, "export", cpf, map[string]any{"debtors": w.debtors, "phones": len(w.phones)})
}

// Erase anonymises the person with this CPF in the archive and in Redis
// (names, phones, CPF, e-mail, birth date, message texts and attachments
// replaced or hashed), keeping the financial records (debts, payments,
// agreements) for their retention period and the opt-outs as keyed hashes
// of the numbers, and audits it.
func (s *Subjects) Erase(ctx context.Context, cpf, actor string) (Erasure, error) {
	cpf, err := NormalizeCPF(cpf)
	if err != nil {
		return Erasure{}, err
	}
	if s.Hasher.Hash("x") == "" {
		return Erasure{}, errors.New("erasure needs QUITA_SUBJECT_HASH_KEY: the erased numbers' opt-outs are kept as its keyed hashes")
	}
	w, err := s.find(ctx, cpf)
	if err != nil {
		return Erasure{}, err
	}
	return s.erase(ctx, w, cpf, actor)
}

// erase anonymises a found subject (Erase, the retention job).
func (s *Subjects) erase(ctx context.Context, w who, cpf, actor string) (Erasure, error) {
	out := Erasure{CPF: cpf, DebtorIDs: w.debtors, Phones: len(w.phones), ErasedAt: s.now().UTC(), Archive: map[string]int64{},
		KeptReason: "debts, payments and agreements (amounts, dates) for the retention period (LGPD art. 16 I; Código Civil art. 205/206); opt-outs as HMAC of the number (art. 16 I, so it is never contacted again)"}
	if s.DB != nil {
		if err := s.DB.eraseSubject(ctx, w, cpf, s.Hasher, out.ErasedAt, out.Archive); err != nil {
			return out, err
		}
	}
	if w.redis != nil {
		if err := s.Store.EraseSubject(ctx, w.redis.Debtor); err != nil {
			return out, err
		}
	}
	if s.DB != nil {
		// again: an archiver pass in flight during the Redis erasure may
		// have written the person's last messages meanwhile
		if err := s.DB.eraseSubject(ctx, w, cpf, s.Hasher, out.ErasedAt, out.Archive); err != nil {
			return out, err
		}
	}
	detail := out
	detail.CPF = "" // the audit row names the person by the CPF's hash only
	return out, s.audit(ctx, actor, "erase", cpf, detail)
}

func (s *Subjects) audit(ctx context.Context, actor, action, cpf string, detail any) error {
	if s.DB == nil {
		return nil
	}
	b, _ := json.Marshal(detail)
	hash := s.Hasher.Hash(cpf)
	if hash == "" && cpf != "" {
		hash = "cpf:" + maskCPF(cpf)
	}
	_, err := s.DB.sql.ExecContext(ctx, `INSERT INTO subject_audit (id, at, actor, action, cpf_hash, detail) VALUES ($1, $2, $3, $4, $5, $6)`,
		storage.NewID(), s.now().UTC(), actor, action, hash, string(b))
	if err != nil {
		return fmt.Errorf("archive: audit the %s: %w", action, err)
	}
	return nil
}

// maskCPF keeps a CPF's last two digits.
func maskCPF(cpf string) string {
	if len(cpf) < 2 {
		return "***"
	}
	return "*********" + cpf[len(cpf)-2:]
}

// in appends vals to args and returns "($n,…)" ("(NULL)" for none: matches nothing).
func in(args *[]any, vals []string) string {
	if len(vals) == 0 {
		return "(NULL)"
	}
	ph := make([]string, len(vals))
	for i, v := range vals {
		*args = append(*args, v)
		ph[i] = "$" + strconv.Itoa(len(*args))
	}
	return "(" + strings.Join(ph, ",") + ")"
}

// subjectRows reads every table's rows about a subject.
func (db *DB) subjectRows(ctx context.Context, w who, cpfHash string) (map[string][]map[string]any, error) {
	convs := w.phones // conversation ids are the numbers
	queries := map[string]func(*[]any) string{
		"debtors": func(a *[]any) string { return `SELECT * FROM debtors WHERE id IN ` + in(a, w.debtors) },
		"debts":   func(a *[]any) string { return `SELECT * FROM debts WHERE debtor_id IN ` + in(a, w.debtors) },
		"payments": func(a *[]any) string {
			return `SELECT * FROM payments WHERE debt_id IN (SELECT id FROM debts WHERE debtor_id IN ` + in(a, w.debtors) + `)`
		},
		"charges": func(a *[]any) string {
			return `SELECT * FROM charges WHERE debt_id IN (SELECT id FROM debts WHERE debtor_id IN ` + in(a, w.debtors) + `)`
		},
		"agreements": func(a *[]any) string {
			return `SELECT * FROM agreements WHERE debt_id IN (SELECT id FROM debts WHERE debtor_id IN ` + in(a, w.debtors) + `)`
		},
		"installments": func(a *[]any) string {
			return `SELECT * FROM installments WHERE agreement_id IN (SELECT id FROM agreements WHERE debt_id IN (SELECT id FROM debts WHERE debtor_id IN ` + in(a, w.debtors) + `)) ORDER BY agreement_id, n`
		},
		"promises": func(a *[]any) string {
			return `SELECT * FROM promises WHERE debt_id IN (SELECT id FROM debts WHERE debtor_id IN ` + in(a, w.debtors) + `) OR conversation IN ` + in(a, convs)
		},
		"conversations": func(a *[]any) string {
			return `SELECT * FROM conversations WHERE id IN ` + in(a, convs) + ` OR debtor_id IN ` + in(a, w.debtors)
		},
		"messages": func(a *[]any) string {
			return `SELECT * FROM messages WHERE conversation IN ` + in(a, convs) + ` ORDER BY conversation, seq`
		},
		"message_statuses": func(a *[]any) string {
			return `SELECT * FROM message_statuses WHERE message_id IN (SELECT id FROM messages WHERE conversation IN ` + in(a, convs) + `) ORDER BY message_id, seen_at`
		},
		"handoffs": func(a *[]any) string {
			return `SELECT * FROM handoffs WHERE conversation IN ` + in(a, convs) + ` ORDER BY at`
		},
		"csat": func(a *[]any) string { return `SELECT * FROM csat WHERE conversation IN ` + in(a, convs) },
		"gate_decisions": func(a *[]any) string {
			return `SELECT * FROM gate_decisions WHERE conversation IN ` + in(a, convs) + ` ORDER BY at`
		},
		"events": func(a *[]any) string {
			return `SELECT * FROM events WHERE conversation IN ` + in(a, convs) + ` ORDER BY at`
		},
		"optouts":  func(a *[]any) string { return `SELECT * FROM optouts WHERE phone IN ` + in(a, w.phones) },
		"consents": func(a *[]any) string { return `SELECT * FROM consents WHERE phone IN ` + in(a, w.phones) },
		"subject_audit": func(a *[]any) string {
			*a = append(*a, cpfHash)
			return `SELECT * FROM subject_audit WHERE cpf_hash = $1 ORDER BY at`
		},
	}
	out := map[string][]map[string]any{}
	for table, q := range queries {
		var args []any
		rows, err := db.sql.QueryContext(ctx, q(&args), args...)
		if err != nil {
			return nil, fmt.Errorf("archive: export %s: %w", table, err)
		}
		list, err := scanMaps(rows)
		if err != nil {
			return nil, fmt.Errorf("archive: export %s: %w", table, err)
		}
		out[table] = list
	}
	return out, nil
}

// scanMaps reads rows as column → value maps (text as strings).
func scanMaps(rows *sql.Rows) ([]map[string]any, error) {
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	out := []map[string]any{}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		m := make(map[string]any, len(cols))
		for i, c := range cols {
			if b, ok := vals[i].([]byte); ok {
				vals[i] = string(b)
			}
			m[c] = vals[i]
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// erasedText replaces what a person wrote or was written.
const erasedText = "[apagado]"

// eraseSubject anonymises a subject's rows in one transaction, adding
// each table's count to n.
func (db *DB) eraseSubject(ctx context.Context, w who, cpf string, h storage.SubjectHasher, at time.Time, n map[string]int64) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		exec := func(table, q string, args ...any) error {
			res, err := tx.ExecContext(ctx, q, args...)
			if err != nil {
				return fmt.Errorf("archive: erase %s: %w", table, err)
			}
			c, _ := res.RowsAffected()
			n[table] += c
			return nil
		}
		var args []any
		q := `UPDATE debtors SET name = '` + storage.ErasedName + `', cpf = '', cpf_hash = $1, phones = '', email = '', data = '{}', anonymised_at = $2 WHERE id IN `
		args = []any{h.Hash(cpf), at}
		if err := exec("debtors", q+in(&args, w.debtors), args...); err != nil {
			return err
		}
		args = []any{at}
		if err := exec("debts", `UPDATE debts SET anonymised_at = $1 WHERE anonymised_at IS NULL AND debtor_id IN `+in(&args, w.debtors), args...); err != nil {
			return err
		}
		for _, phone := range w.phones {
			ph := h.Hash(phone)
			hc := "h:" + ph
			if err := db.eraseMessages(ctx, tx, phone, hc, n); err != nil {
				return err
			}
			var clash int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM conversations WHERE id = $1`, hc).Scan(&clash); err != nil {
				return err
			}
			if clash > 0 { // erased before: the hashed row is already there
				if err := exec("conversations", `DELETE FROM conversations WHERE id = $1`, phone); err != nil {
					return err
				}
			} else if err := exec("conversations", `UPDATE conversations SET id = $1, state = '', anonymised_at = $2 WHERE id = $3`, hc, at, phone); err != nil {
				return err
			}
			for _, t := range []string{"handoffs", "csat", "gate_decisions", "promises", "agreements", "charges"} {
				if err := exec(t, `UPDATE `+t+` SET conversation = $1 WHERE conversation = $2`, hc, phone); err != nil {
					return err
				}
			}
			if err := exec("events", `UPDATE events SET conversation = $1, reason = '', data = '{}' WHERE conversation = $2`, hc, phone); err != nil {
				return err
			}
			// the opt-out's key holds the number: it becomes the hash's
			// erased before and opted out again: the hashed row is already there
			if err := exec("optouts", `DELETE FROM optouts WHERE phone = $1 AND channel || ':h:' || $2 IN (SELECT id FROM optouts)`, phone, ph); err != nil {
				return err
			}
			if err := exec("optouts", `UPDATE optouts SET id = channel || ':h:' || $1, phone = '', phone_hash = $1, message = '' WHERE phone = $2`, ph, phone); err != nil {
				return err
			}
			// a consent's id names the number too
			if err := exec("consents", `DELETE FROM consents WHERE phone = $2 AND channel || ':h:' || $1 || ':' || kind IN (SELECT id FROM consents)`, ph, phone); err != nil {
				return err
			}
			if err := exec("consents", `UPDATE consents SET id = channel || ':h:' || $1 || ':' || kind, phone = '', phone_hash = $1 WHERE phone = $2`, ph, phone); err != nil {
				return err
			}
		}
		return nil
	})
}

// eraseMessages rewrites a conversation's messages: no text, attachments
// or button payload, the conversation id hashed, in the row and its raw JSON.
func (db *DB) eraseMessages(ctx context.Context, tx *sql.Tx, conv, hashed string, n map[string]int64) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, raw FROM messages WHERE conversation = $1`, conv)
	if err != nil {
		return fmt.Errorf("archive: erase messages: %w", err)
	}
	type upd struct{ id, raw string }
	var ups []upd
	for rows.Next() {
		var id, raw string
		if err := rows.Scan(&id, &raw); err != nil {
			rows.Close()
			return err
		}
		var m storage.Message
		if json.Unmarshal([]byte(raw), &m) != nil {
			m = storage.Message{ID: id}
		}
		m.Conversation, m.Attachments, m.Payload = hashed, nil, ""
		if m.Text != "" {
			m.Text = erasedText
		}
		b, _ := json.Marshal(m)
		ups = append(ups, upd{id, string(b)})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, u := range ups {
		if _, err := tx.ExecContext(ctx, `UPDATE messages SET conversation = $1, text = $2, raw = $3 WHERE id = $4`, hashed, erasedText, u.raw, u.id); err != nil {
			return fmt.Errorf("archive: erase message: %w", err)
		}
	}
	n["messages"] += int64(len(ups))
	return nil
}
