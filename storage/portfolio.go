package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/quita-bot/quita/dialogs"
)

// The portfolio is stored compactly so that a million debts fit the memory
// budget in KEYS.md ("Reminders"): debts and debtors live as small fields
// ("<id>.<attr>") in bucketed hashes of 8 records each, which Redis keeps in
// its listpack encoding, and the phone, CPF and invoice indexes are bucketed
// hashes too. Ids handed out by imports are base-36 sequence numbers; any
// other id (demo data) is bucketed by a hash of its text.

// Debt attributes (hash field suffixes).
const (
	debtCreditor = "c"
	debtDebtor   = "o"
	debtInvoice  = "i"
	debtDesc     = "n"
	debtAmount   = "a"
	debtDue      = "d"
	debtPurchase = "p"
	debtMethod   = "m"
	debtStatus   = "s"
	debtNosso    = "nn"
	debtReminder = "r" // reminder state, see ReminderState
	debtOutcomes = "O" // A/B outcomes already counted (bits)
)

var debtAttrs = []string{debtCreditor, debtDebtor, debtInvoice, debtDesc, debtAmount, debtDue, debtPurchase, debtMethod, debtStatus, debtNosso}

// Debtor attributes.
const (
	debtorName     = "n"
	debtorCPF      = "c"
	debtorBirth    = "b"
	debtorPhones   = "ph"
	debtorEmail    = "e"
	debtorLang     = "l"
	debtorTZ       = "z"
	debtorChannel  = "ch"
	debtorVIP      = "v"
	debtorDelays   = "dl"
	debtorDebts    = "L" // comma-separated debt ids
	debtorWrongNos = "w" // comma-separated numbers that turned out not to be the debtor's
)

var debtorAttrs = []string{debtorName, debtorCPF, debtorBirth, debtorPhones, debtorEmail, debtorLang, debtorTZ, debtorChannel, debtorVIP, debtorDelays, debtorDebts, debtorWrongNos}

// indexBuckets is how many buckets each index is spread over: at 1M debts
// about 30 entries a bucket, well under the listpack limit of 128.
const indexBuckets = 32768

// recordsPerBucket debts (or debtors) share one hash.
const recordsPerBucket = 8

// bucketOf names the bucket of a record id: sequence ids (base 36, up to 8
// digits) fill buckets 8 at a time; other ids are spread by hash. Lua's
// bucketScript mirrors this function.
func bucketOf(id string) string {
	if len(id) > 0 && len(id) <= 8 && isBase36(id) {
		n, _ := strconv.ParseInt(id, 36, 64)
		return strconv.FormatInt(n/recordsPerBucket, 10)
	}
	return "h" + strconv.Itoa(int(smallHash(id)%4096))
}

func isBase36(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}

// smallHash is h = h·31 + byte mod 2^15: simple enough to compute the same in Lua.
func smallHash(s string) uint32 {
	var h uint32
	for i := 0; i < len(s); i++ {
		h = (h*31 + uint32(s[i])) % indexBuckets
	}
	return h
}

// DebtBucket is the hash holding a debt's fields.
func (k Keys) DebtBucket(id string) string { return k.Prefix + ":debts:" + bucketOf(id) }

// DebtorBucket is the hash holding a debtor's fields.
func (k Keys) DebtorBucket(id string) string { return k.Prefix + ":debtors:" + bucketOf(id) }

// Index is one bucket of an index (kind: phone, cpf, inv) holding value.
func (k Keys) Index(kind, value string) string {
	return k.Prefix + ":ix:" + kind + ":" + strconv.Itoa(int(smallHash(value)))
}

// Sequences hands out record ids (fields debt, debtor).
func (k Keys) Sequences() string { return k.Prefix + ":seq" }

// Agreement is a debt's agreement (JSON), kept apart because it is long.
func (k Keys) Agreement(debtID string) string { return k.Prefix + ":agreement:" + debtID }

func field(id, attr string) string { return id + "." + attr }

// SaveDebtor writes a debtor and its phone and CPF indexes (debt links are kept).
func (s *Store) SaveDebtor(ctx context.Context, d dialogs.Debtor) error {
	pipe := s.rdb.Pipeline()
	pipe.HSet(ctx, s.keys.DebtorBucket(d.ID), debtorFields(d)...)
	for _, p := range d.Phones {
		pipe.HSet(ctx, s.keys.Index("phone", p), p, d.ID)
	}
	if d.CPF != "" {
		pipe.HSet(ctx, s.keys.Index("cpf", d.CPF), d.CPF, d.ID)
	}
	_, err := pipe.Exec(ctx)
	return err
}

func debtorFields(d dialogs.Debtor) []any {
	kv := []any{}
	add := func(attr, v string) { kv = append(kv, field(d.ID, attr), v) }
	add(debtorName, d.Name)
	add(debtorCPF, d.CPF)
	add(debtorBirth, d.BirthDate)
	add(debtorPhones, strings.Join(d.Phones, ","))
	add(debtorEmail, d.Email)
	add(debtorLang, d.Language)
	add(debtorTZ, d.TimeZone)
	add(debtorChannel, d.Channel)
	add(debtorVIP, boolStr(d.VIP))
	add(debtorDelays, strconv.Itoa(d.Delays))
	return kv
}

func boolStr(b bool) string {
	if b {
		return "1"
	}
	return ""
}

var linkScript = redis.NewScript(`
local l = redis.call('HGET', KEYS[1], ARGV[1])
if not l or l == '' then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) return 1 end
if string.find(','..l..',', ','..ARGV[2]..',', 1, true) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], l..','..ARGV[2])
return 1`)

// SaveDebt writes a debt, links it to its debtor and indexes its invoice.
func (s *Store) SaveDebt(ctx context.Context, d dialogs.Debt) error {
	if d.Status == "" {
		d.Status = dialogs.DebtOpen
	}
	kv := []any{}
	add := func(attr, v string) { kv = append(kv, field(d.ID, attr), v) }
	add(debtCreditor, d.CreditorID)
	add(debtDebtor, d.DebtorID)
	add(debtInvoice, d.Invoice)
	add(debtDesc, d.Description)
	add(debtAmount, strconv.FormatInt(d.AmountCents, 10))
	add(debtDue, d.DueDate)
	add(debtPurchase, d.PurchaseDate)
	add(debtMethod, d.PaymentMethod)
	add(debtStatus, d.Status)
	pipe := s.rdb.Pipeline()
	pipe.HSet(ctx, s.keys.DebtBucket(d.ID), kv...)
	if d.Invoice != "" {
		pipe.HSet(ctx, s.keys.Index("inv", d.CreditorID+"|"+d.Invoice), d.CreditorID+"|"+d.Invoice, d.ID)
	}
	linkScript.Eval(ctx, pipe, []string{s.keys.DebtorBucket(d.DebtorID)}, field(d.DebtorID, debtorDebts), d.ID)
	_, err := pipe.Exec(ctx)
	return err
}

// Debtor loads a debtor by id.
func (s *Store) Debtor(ctx context.Context, id string) (dialogs.Debtor, error) {
	vals, err := s.hmget(ctx, s.keys.DebtorBucket(id), id, debtorAttrs)
	if err != nil {
		return dialogs.Debtor{}, err
	}
	return debtorOf(id, vals), nil
}

// DebtorWithDebts loads a debtor and every debt of theirs in two round
// trips (the debtor's record holds the list of debt ids).
func (s *Store) DebtorWithDebts(ctx context.Context, id string) (dialogs.Debtor, []dialogs.Debt, error) {
	vals, err := s.hmget(ctx, s.keys.DebtorBucket(id), id, debtorAttrs)
	if err != nil {
		return dialogs.Debtor{}, nil, err
	}
	debts, err := s.debtsByIDs(ctx, vals[debtorDebts])
	return debtorOf(id, vals), debts, err
}

func debtorOf(id string, vals map[string]string) dialogs.Debtor {
	d := dialogs.Debtor{ID: id, Name: vals[debtorName], CPF: vals[debtorCPF], BirthDate: vals[debtorBirth],
		Email: vals[debtorEmail], Language: vals[debtorLang], TimeZone: vals[debtorTZ], Channel: vals[debtorChannel],
		VIP: vals[debtorVIP] == "1"}
	d.Delays, _ = strconv.Atoi(vals[debtorDelays])
	if p := vals[debtorPhones]; p != "" {
		d.Phones = strings.Split(p, ",")
	}
	return d
}

// DebtorWrongNumbers lists the numbers of a debtor that belong to someone else.
func (s *Store) DebtorWrongNumbers(ctx context.Context, id string) ([]string, error) {
	v, err := s.rdb.HGet(ctx, s.keys.DebtorBucket(id), field(id, debtorWrongNos)).Result()
	if errors.Is(err, redis.Nil) || v == "" {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load wrong numbers: %w", err)
	}
	return strings.Split(v, ","), nil
}

// MarkWrongNumber records that phone is not the debtor's: reminders go to
// the debtor's other numbers, if any.
func (s *Store) MarkWrongNumber(ctx context.Context, debtorID, phone string) error {
	return linkScript.Run(ctx, s.rdb, []string{s.keys.DebtorBucket(debtorID)}, field(debtorID, debtorWrongNos), phone).Err()
}

// Debt loads a debt by id.
func (s *Store) Debt(ctx context.Context, id string) (dialogs.Debt, error) {
	vals, err := s.hmget(ctx, s.keys.DebtBucket(id), id, debtAttrs)
	if err != nil {
		return dialogs.Debt{}, err
	}
	return debtOf(id, vals), nil
}

func debtOf(id string, vals map[string]string) dialogs.Debt {
	d := dialogs.Debt{ID: id, CreditorID: vals[debtCreditor], DebtorID: vals[debtDebtor], Invoice: vals[debtInvoice],
		Description: vals[debtDesc], DueDate: vals[debtDue], PurchaseDate: vals[debtPurchase],
		PaymentMethod: vals[debtMethod], Status: vals[debtStatus]}
	d.AmountCents, _ = strconv.ParseInt(vals[debtAmount], 10, 64)
	return d
}

// DebtExtras returns the optional import data of a debt (nosso_numero…).
func (s *Store) DebtExtras(ctx context.Context, id string) (map[string]string, error) {
	v, err := s.rdb.HGet(ctx, s.keys.DebtBucket(id), field(id, debtNosso)).Result()
	if errors.Is(err, redis.Nil) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	return map[string]string{"nosso_numero": v}, nil
}

// hmget reads a record's attributes; ErrNotFound when it has none.
func (s *Store) hmget(ctx context.Context, bucket, id string, attrs []string) (map[string]string, error) {
	vals, err := s.rdb.HMGet(ctx, bucket, recordFields(id, attrs)...).Result()
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", bucket, err)
	}
	out, found := recordValues(attrs, vals)
	if !found {
		return nil, ErrNotFound
	}
	return out, nil
}

// recordFields are the hash fields of a record's attributes.
func recordFields(id string, attrs []string) []string {
	fields := make([]string, len(attrs))
	for i, a := range attrs {
		fields[i] = field(id, a)
	}
	return fields
}

// recordValues maps an HMGET reply back to attributes; found is false when
// the record has none.
func recordValues(attrs []string, vals []any) (out map[string]string, found bool) {
	out = make(map[string]string, len(attrs))
	for i, v := range vals {
		if str, ok := v.(string); ok {
			out[attrs[i]] = str
			found = true
		}
	}
	return out, found
}

// DebtorByPhone finds the debtor who owns a number.
func (s *Store) DebtorByPhone(ctx context.Context, phone string) (dialogs.Debtor, error) {
	return s.debtorByIndex(ctx, "phone", phone)
}

// DebtorByCPF finds a debtor by CPF digits.
func (s *Store) DebtorByCPF(ctx context.Context, cpf string) (dialogs.Debtor, error) {
	return s.debtorByIndex(ctx, "cpf", cpf)
}

// DebtByInvoice finds a debt id by creditor and invoice.
func (s *Store) DebtByInvoice(ctx context.Context, creditor, invoice string) (string, error) {
	k := creditor + "|" + invoice
	id, err := s.rdb.HGet(ctx, s.keys.Index("inv", k), k).Result()
	if errors.Is(err, redis.Nil) {
		return "", ErrNotFound
	}
	return id, err
}

func (s *Store) debtorByIndex(ctx context.Context, kind, value string) (dialogs.Debtor, error) {
	id, err := s.debtorIDByIndex(ctx, kind, value)
	if err != nil {
		return dialogs.Debtor{}, err
	}
	return s.Debtor(ctx, id)
}

// DebtorIDByPhone finds the id of the debtor who owns a number.
func (s *Store) DebtorIDByPhone(ctx context.Context, phone string) (string, error) {
	return s.debtorIDByIndex(ctx, "phone", phone)
}

func (s *Store) debtorIDByIndex(ctx context.Context, kind, value string) (string, error) {
	id, err := s.rdb.HGet(ctx, s.keys.Index(kind, value), value).Result()
	if errors.Is(err, redis.Nil) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("look up debtor: %w", err)
	}
	return id, nil
}

// DebtsOf loads every debt of a debtor.
func (s *Store) DebtsOf(ctx context.Context, debtorID string) ([]dialogs.Debt, error) {
	l, err := s.rdb.HGet(ctx, s.keys.DebtorBucket(debtorID), field(debtorID, debtorDebts)).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("list debts: %w", err)
	}
	return s.debtsByIDs(ctx, l)
}

// debtsByIDs loads the debts of a comma-separated id list, skipping ids
// whose record is gone.
func (s *Store) debtsByIDs(ctx context.Context, l string) ([]dialogs.Debt, error) {
	if l == "" {
		return nil, nil
	}
	// One pipeline for all the debts: a debtor with several debts costs one
	// round trip more, not one per debt.
	ids := strings.Split(l, ",")
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.SliceCmd, len(ids))
	for i, id := range ids {
		cmds[i] = pipe.HMGet(ctx, s.keys.DebtBucket(id), recordFields(id, debtAttrs)...)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("load debts: %w", err)
	}
	out := make([]dialogs.Debt, 0, len(ids))
	for i, id := range ids {
		if vals, found := recordValues(debtAttrs, cmds[i].Val()); found {
			out = append(out, debtOf(id, vals))
		}
	}
	return out, nil
}

var statusChangeScript = redis.NewScript(`
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if not cur then return -1 end
if cur == ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1`)

// SetDebtStatus changes a debt's status; it reports whether it changed
// (false when it already had it) and ErrNotFound for an unknown debt.
func (s *Store) SetDebtStatus(ctx context.Context, id, status string) (bool, error) {
	n, err := statusChangeScript.Run(ctx, s.rdb, []string{s.keys.DebtBucket(id)}, field(id, debtStatus), status).Int()
	if err != nil {
		return false, fmt.Errorf("set debt status: %w", err)
	}
	if n < 0 {
		return false, ErrNotFound
	}
	return n == 1, nil
}

// ImportRow is one validated portfolio row, ready to upsert: attribute
// values by the short names above, empty ones left out.
type ImportRow struct {
	Creditor, Invoice, CPF string
	Phones                 []string
	Debtor                 map[string]string // name, birth, email, lang, tz, channel, vip (see DebtorAttr*)
	Debt                   map[string]string
	ScheduleAt             int64 // unix ms of the first reminder of a new debt; 0: none
}

// Attribute names an importer fills (the short field names).
const (
	DebtorAttrName, DebtorAttrBirth, DebtorAttrEmail, DebtorAttrLang = debtorName, debtorBirth, debtorEmail, debtorLang
	DebtorAttrTZ, DebtorAttrChannel, DebtorAttrVIP, DebtorAttrDelays = debtorTZ, debtorChannel, debtorVIP, debtorDelays
	DebtAttrDesc, DebtAttrAmount, DebtAttrDue, DebtAttrPurchase      = debtDesc, debtAmount, debtDue, debtPurchase
	DebtAttrMethod, DebtAttrNossoNumero                              = debtMethod, debtNosso
)

// ImportResult says what an upsert did.
type ImportResult struct {
	DebtID, DebtorID string
	Created          bool // a new debt; false: an existing (creditor, invoice) was updated
}

// importScript upserts rows atomically (one script run per batch): the
// debtor by CPF, the debt by (creditor, invoice), the indexes, the debt
// link and, for a new debt, its first reminder. It mirrors bucketOf; index
// keys come from Go. New ids are reserved once per batch (unused ones are
// skipped, which is harmless).
var importScript = redis.NewScript(`
local p = ARGV[1]
local nrows = tonumber(ARGV[2])
local digits = '0123456789abcdefghijklmnopqrstuvwxyz'
local function b36(n)
  local s = ''
  repeat local r = n % 36; s = string.sub(digits, r+1, r+1) .. s; n = math.floor(n / 36) until n == 0
  return s
end
local function hsh(v)
  local h = 0
  for i = 1, #v do h = (h * 31 + string.byte(v, i)) % 32768 end
  return h
end
local function bucket(id)
  if #id > 0 and #id <= 8 and not string.find(id, '[^0-9a-z]') then
    return tostring(math.floor(tonumber(id, 36) / 8))
  end
  return 'h' .. tostring(hsh(id) % 4096)
end
local function addto(key, f, v)
  local l = redis.call('HGET', key, f)
  if not l or l == '' then redis.call('HSET', key, f, v) return end
  if not string.find(',' .. l .. ',', ',' .. v .. ',', 1, true) then redis.call('HSET', key, f, l .. ',' .. v) end
end
-- ids for new records come from one reservation per batch
local nextDebtor = redis.call('HINCRBY', KEYS[1], 'debtor', nrows) - nrows
local nextDebt = redis.call('HINCRBY', KEYS[1], 'debt', nrows) - nrows
local out = {}
local i = 3
for r = 1, nrows do
  -- creditor, invoice, cpf, schedule ms, cpf index key, invoice index key
  local cred, inv, cpf, at, cpfKey, invKey = ARGV[i], ARGV[i+1], ARGV[i+2], tonumber(ARGV[i+3]), ARGV[i+4], ARGV[i+5]
  i = i + 6
  -- HSETNX claims the next id in one call when the record is new (the
  -- common case of an import); an existing one is read back.
  local pid = b36(nextDebtor + 1)
  local newDebtor = redis.call('HSETNX', cpfKey, cpf, pid) == 1
  if newDebtor then nextDebtor = nextDebtor + 1 else pid = redis.call('HGET', cpfKey, cpf) end
  local pb = p .. ':debtors:' .. bucket(pid)
  local ik = cred .. '|' .. inv
  local did = b36(nextDebt + 1)
  local created = redis.call('HSETNX', invKey, ik, did)
  if created == 1 then nextDebt = nextDebt + 1 else did = redis.call('HGET', invKey, ik) end
  -- debtor: phones (value, index key), then attributes, in one HSET
  local n = tonumber(ARGV[i]); i = i + 1
  local fv = {pid .. '.c', cpf}
  local phones = {}
  for j = 1, n do
    phones[j] = ARGV[i]
    redis.call('HSET', ARGV[i+1], ARGV[i], pid)
    i = i + 2
  end
  if newDebtor then
    fv[#fv+1] = pid .. '.ph'; fv[#fv+1] = table.concat(phones, ',')
    fv[#fv+1] = pid .. '.L'; fv[#fv+1] = did
  else
    for j = 1, #phones do addto(pb, pid .. '.ph', phones[j]) end
    addto(pb, pid .. '.L', did)
  end
  n = tonumber(ARGV[i]); i = i + 1
  for j = 1, n do fv[#fv+1] = pid .. '.' .. ARGV[i]; fv[#fv+1] = ARGV[i+1]; i = i + 2 end
  redis.call('HSET', pb, unpack(fv))
  -- debt
  fv = {}
  if created == 1 then
    fv = {did .. '.c', cred, did .. '.i', inv, did .. '.o', pid, did .. '.s', 'open'}
    if at > 0 then redis.call('ZADD', p .. ':sched', at, did) end
  end
  n = tonumber(ARGV[i]); i = i + 1
  for j = 1, n do fv[#fv+1] = did .. '.' .. ARGV[i]; fv[#fv+1] = ARGV[i+1]; i = i + 2 end
  if #fv > 0 then redis.call('HSET', p .. ':debts:' .. bucket(did), unpack(fv)) end
  out[#out+1] = did; out[#out+1] = pid; out[#out+1] = created
end
return out`)

// ImportDebts upserts rows, each atomically (and the whole batch in one
// script run): a repeated (creditor, invoice) updates the debt in place and
// keeps its status and reminder progress.
func (s *Store) ImportDebts(ctx context.Context, rows []ImportRow) ([]ImportResult, error) {
	res, err := s.importCmd(ctx, s.rdb, rows, false).Slice()
	if err != nil {
		return nil, fmt.Errorf("import debts: %w", err)
	}
	return importResults(res), nil
}

// ImportPipelined queues several batches on one pipeline (one round trip).
func (s *Store) ImportPipelined(ctx context.Context, batches [][]ImportRow) ([][]ImportResult, error) {
	if err := importScript.Load(ctx, s.rdb).Err(); err != nil {
		return nil, fmt.Errorf("import debts: load script: %w", err)
	}
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.Cmd, len(batches))
	for i, b := range batches {
		cmds[i] = s.importCmd(ctx, pipe, b, true)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("import debts: %w", err)
	}
	out := make([][]ImportResult, len(batches))
	for i, c := range cmds {
		res, err := c.Slice()
		if err != nil {
			return nil, fmt.Errorf("import debts: %w", err)
		}
		out[i] = importResults(res)
	}
	return out, nil
}

func (s *Store) importCmd(ctx context.Context, c redis.Scripter, rows []ImportRow, loaded bool) *redis.Cmd {
	args := make([]any, 0, 2+len(rows)*24)
	args = append(args, s.keys.Prefix, len(rows))
	for _, r := range rows {
		ik := r.Creditor + "|" + r.Invoice
		args = append(args, r.Creditor, r.Invoice, r.CPF, r.ScheduleAt, s.keys.Index("cpf", r.CPF), s.keys.Index("inv", ik), len(r.Phones))
		for _, p := range r.Phones {
			args = append(args, p, s.keys.Index("phone", p))
		}
		args = appendAttrs(args, r.Debtor)
		args = appendAttrs(args, r.Debt)
	}
	if loaded {
		return importScript.EvalSha(ctx, c, []string{s.keys.Sequences()}, args...)
	}
	return importScript.Run(ctx, c, []string{s.keys.Sequences()}, args...)
}

func appendAttrs(args []any, m map[string]string) []any {
	n := 0
	for _, v := range m {
		if v != "" {
			n++
		}
	}
	args = append(args, n)
	for k, v := range m {
		if v != "" {
			args = append(args, k, v)
		}
	}
	return args
}

func importResults(res []any) []ImportResult {
	out := make([]ImportResult, 0, len(res)/3)
	for i := 0; i+2 < len(res); i += 3 {
		did, _ := res[i].(string)
		pid, _ := res[i+1].(string)
		n, _ := res[i+2].(int64)
		out = append(out, ImportResult{DebtID: did, DebtorID: pid, Created: n == 1})
	}
	return out
}

// getJSON loads a JSON string key (shared helper of the storage package).
func (s *Store) getJSON(ctx context.Context, key string, v any) error {
	b, err := s.rdb.Get(ctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("load %s: %w", key, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decode %s: %w", key, err)
	}
	return nil
}
