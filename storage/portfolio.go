package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/quita-bot/quita/dialogs"
)

// The portfolio is stored compactly so that a million debts fit the memory
// budget in KEYS.md ("Reminders"): each debt and debtor is one field "<id>"
// packing its attributes (record.go), in bucketed hashes of 8 records each;
// a debt's status, reminder state and outcome bits are fields of their own
// ("<id>.<attr>") beside it, because they change often. The phone, CPF and
// invoice indexes are bucketed hashes too. Ids handed out by imports are
// base-36 sequence numbers; any other id (demo data) is bucketed by a hash
// of its text.

// Debt attributes: names inside the packed record, and the suffixes of
// the fields of their own (status, reminder state, outcome bits).
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

// debtPacked are the attributes packed into a debt's "<id>" field; status,
// reminder state and outcome bits are fields "<id>.s", "<id>.r", "<id>.O".
var debtPacked = []string{debtCreditor, debtDebtor, debtInvoice, debtDesc, debtAmount, debtDue, debtPurchase, debtMethod, debtNosso}

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
	debtorAddress  = "ad" // postal address, JSON (dialogs.PostalAddress)
	debtorDebts    = "L"  // comma-separated debt ids
	debtorWrongNos = "w"  // comma-separated numbers that turned out not to be the debtor's
)

// debtorAttrs are the attributes packed into a debtor's "<id>" field.
var debtorAttrs = []string{debtorName, debtorCPF, debtorBirth, debtorPhones, debtorEmail, debtorLang, debtorTZ, debtorChannel, debtorVIP, debtorDelays, debtorAddress, debtorDebts, debtorWrongNos}

// indexBuckets is how many buckets each index is spread over: at 1M debts
// about 30 entries a bucket, well under the listpack limit of 128.
const indexBuckets = 32768

// recordsPerBucket debts (or debtors) share one hash.
const recordsPerBucket = 8

// bucketOf names the bucket of a record id: sequence ids (base 36, up to 8
// digits) fill buckets 8 at a time; other ids are spread by hash. Lua's
// luaBucket mirrors this function.
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

// SaveDebtor writes a debtor and its phone and CPF indexes (debt links and
// wrong numbers are kept).
func (s *Store) SaveDebtor(ctx context.Context, d dialogs.Debtor) error {
	pipe := s.rdb.Pipeline()
	keepScript.Eval(ctx, pipe, []string{s.keys.DebtorBucket(d.ID)}, d.ID, debtorRecord(d), debtorDebts, debtorWrongNos)
	for _, p := range d.Phones {
		pipe.HSet(ctx, s.keys.Index("phone", p), p, d.ID)
	}
	if d.CPF != "" {
		pipe.HSet(ctx, s.keys.Index("cpf", d.CPF), d.CPF, d.ID)
	}
	_, err := pipe.Exec(ctx)
	return err
}

// debtorRecord packs a debtor's attributes (without L and w).
func debtorRecord(d dialogs.Debtor) string {
	return packRecord(debtorName, d.Name, debtorCPF, d.CPF, debtorBirth, d.BirthDate,
		debtorPhones, strings.Join(d.Phones, ","), debtorEmail, d.Email, debtorLang, d.Language,
		debtorTZ, d.TimeZone, debtorChannel, d.Channel, debtorVIP, boolStr(d.VIP), debtorDelays, strconv.Itoa(d.Delays),
		debtorAddress, addressAttr(d.Address))
}

// PackAddress is a postal address as the DebtorAttrAddress attribute.
func PackAddress(a *dialogs.PostalAddress) string { return addressAttr(a) }

// addressAttr is a postal address as a record attribute: JSON, which never
// holds the record's control-character separators (encoding/json escapes them).
func addressAttr(a *dialogs.PostalAddress) string {
	if a == nil {
		return ""
	}
	b, err := json.Marshal(a)
	if err != nil {
		return ""
	}
	return string(b)
}

func boolStr(b bool) string {
	if b {
		return "1"
	}
	return ""
}

// linkScript adds ARGV[3] to the comma-separated list attribute ARGV[2] of
// the packed record ARGV[1] (creating the record if need be), unless it is
// there already; it returns 1 when it added.
var linkScript = redis.NewScript(luaRecord + `
local t, order = unpackrec(redis.call('HGET', KEYS[1], ARGV[1]))
if not addlist(t, order, ARGV[2], ARGV[3]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], packrec(t, order))
return 1`)

// SaveDebt writes a debt, links it to its debtor and indexes its invoice
// (its nosso número, reminder state and outcome bits are kept).
func (s *Store) SaveDebt(ctx context.Context, d dialogs.Debt) error {
	if d.Status == "" {
		d.Status = dialogs.DebtOpen
	}
	rec := packRecord(debtCreditor, d.CreditorID, debtDebtor, d.DebtorID, debtInvoice, d.Invoice, debtDesc, d.Description,
		debtAmount, strconv.FormatInt(d.AmountCents, 10), debtDue, d.DueDate, debtPurchase, d.PurchaseDate, debtMethod, d.PaymentMethod)
	bucket := s.keys.DebtBucket(d.ID)
	pipe := s.rdb.Pipeline()
	keepScript.Eval(ctx, pipe, []string{bucket}, d.ID, rec, debtNosso)
	pipe.HSet(ctx, bucket, field(d.ID, debtStatus), d.Status)
	if d.Invoice != "" {
		pipe.HSet(ctx, s.keys.Index("inv", d.CreditorID+"|"+d.Invoice), d.CreditorID+"|"+d.Invoice, d.ID)
	}
	linkScript.Eval(ctx, pipe, []string{s.keys.DebtorBucket(d.DebtorID)}, d.DebtorID, debtorDebts, d.ID)
	_, err := pipe.Exec(ctx)
	return err
}

// record loads the packed record id of a bucket; ErrNotFound when absent.
func (s *Store) record(ctx context.Context, bucket, id string) (map[string]string, error) {
	v, err := s.rdb.HGet(ctx, bucket, id).Result()
	if errors.Is(err, redis.Nil) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", bucket, err)
	}
	return unpackRecord(v), nil
}

// Debtor loads a debtor by id.
func (s *Store) Debtor(ctx context.Context, id string) (dialogs.Debtor, error) {
	vals, err := s.record(ctx, s.keys.DebtorBucket(id), id)
	if err != nil {
		return dialogs.Debtor{}, err
	}
	return debtorOf(id, vals), nil
}

// DebtorWithDebts loads a debtor and every debt of theirs in two round
// trips (the debtor's record holds the list of debt ids).
func (s *Store) DebtorWithDebts(ctx context.Context, id string) (dialogs.Debtor, []dialogs.Debt, error) {
	recs, err := s.DebtorsWithDebts(ctx, []string{id})
	if err != nil {
		return dialogs.Debtor{}, nil, err
	}
	if !recs[0].Found {
		return dialogs.Debtor{}, nil, ErrNotFound
	}
	return recs[0].Debtor, recs[0].Debts, nil
}

func debtorOf(id string, vals map[string]string) dialogs.Debtor {
	d := dialogs.Debtor{ID: id, Name: vals[debtorName], CPF: vals[debtorCPF], BirthDate: vals[debtorBirth],
		Email: vals[debtorEmail], Language: vals[debtorLang], TimeZone: vals[debtorTZ], Channel: vals[debtorChannel],
		VIP: vals[debtorVIP] == "1"}
	d.Delays, _ = strconv.Atoi(vals[debtorDelays])
	if a := vals[debtorAddress]; a != "" {
		var addr dialogs.PostalAddress
		if json.Unmarshal([]byte(a), &addr) == nil {
			d.Address = &addr
		}
	}
	if p := vals[debtorPhones]; p != "" {
		d.Phones = strings.Split(p, ",")
	}
	return d
}

// DebtorWrongNumbers lists the numbers of a debtor that belong to someone else.
func (s *Store) DebtorWrongNumbers(ctx context.Context, id string) ([]string, error) {
	vals, err := s.record(ctx, s.keys.DebtorBucket(id), id)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load wrong numbers: %w", err)
	}
	if v := vals[debtorWrongNos]; v != "" {
		return strings.Split(v, ","), nil
	}
	return nil, nil
}

// MarkWrongNumber records that phone is not the debtor's: reminders go to
// the debtor's other numbers, if any.
func (s *Store) MarkWrongNumber(ctx context.Context, debtorID, phone string) error {
	return linkScript.Run(ctx, s.rdb, []string{s.keys.DebtorBucket(debtorID)}, debtorID, debtorWrongNos, phone).Err()
}

// Debt loads a debt by id.
func (s *Store) Debt(ctx context.Context, id string) (dialogs.Debt, error) {
	vals, err := s.rdb.HMGet(ctx, s.keys.DebtBucket(id), id, field(id, debtStatus)).Result()
	if err != nil {
		return dialogs.Debt{}, fmt.Errorf("load debt: %w", err)
	}
	d, ok := debtOf(id, vals)
	if !ok {
		return dialogs.Debt{}, ErrNotFound
	}
	return d, nil
}

// debtOf decodes the reply of HMGET <id> <id>.s; ok is false when the debt
// has no record. A debt without a status is open.
func debtOf(id string, vals []any) (d dialogs.Debt, ok bool) {
	rec, ok := vals[0].(string)
	if !ok {
		return d, false
	}
	m := unpackRecord(rec)
	d = dialogs.Debt{ID: id, CreditorID: m[debtCreditor], DebtorID: m[debtDebtor], Invoice: m[debtInvoice],
		Description: m[debtDesc], DueDate: m[debtDue], PurchaseDate: m[debtPurchase],
		PaymentMethod: m[debtMethod], Status: dialogs.DebtOpen}
	if st, _ := vals[1].(string); st != "" {
		d.Status = st
	}
	d.AmountCents, _ = strconv.ParseInt(m[debtAmount], 10, 64)
	return d, true
}

// DebtExtras returns the optional import data of a debt (nosso_numero…).
func (s *Store) DebtExtras(ctx context.Context, id string) (map[string]string, error) {
	vals, err := s.record(ctx, s.keys.DebtBucket(id), id)
	if errors.Is(err, ErrNotFound) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	if v, ok := vals[debtNosso]; ok {
		return map[string]string{"nosso_numero": v}, nil
	}
	return map[string]string{}, nil
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

// DebtsOf loads every debt of a debtor (none for an unknown debtor).
func (s *Store) DebtsOf(ctx context.Context, debtorID string) ([]dialogs.Debt, error) {
	recs, err := s.DebtorsWithDebts(ctx, []string{debtorID})
	if err != nil {
		return nil, fmt.Errorf("list debts: %w", err)
	}
	return recs[0].Debts, nil
}

// statusChangeScript sets a debt's status field ARGV[1].s; the debt must
// have a record (ARGV[1]), and no status field means ARGV[3] (open).
var statusChangeScript = redis.NewScript(`
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return -1 end
local cur = redis.call('HGET', KEYS[1], ARGV[1] .. '.s') or ARGV[3]
if cur == ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1] .. '.s', ARGV[2])
return 1`)

// SetDebtStatus changes a debt's status; it reports whether it changed
// (false when it already had it) and ErrNotFound for an unknown debt.
func (s *Store) SetDebtStatus(ctx context.Context, id, status string) (bool, error) {
	n, err := statusChangeScript.Run(ctx, s.rdb, []string{s.keys.DebtBucket(id)}, id, status, dialogs.DebtOpen).Int()
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
	DebtorAttrAddress                                                = debtorAddress // PackAddress(…)
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
// link and, for a new debt, its first reminder. Go sends per row only the
// index keys and entries, the schedule time, the phones with their index
// keys and both records already packed (record.go), without the debtor's
// debt list and the debt's debtor, which only the script knows. A new
// record is that text plus one attribute, written with the other new
// records of its bucket in one HSET; new debts are scheduled in one ZADD.
// An existing record is decoded, overlaid and encoded again (written only
// when it changed); an existing debt keeps its status and reminder
// progress. New ids are reserved once per batch
// (unused ones are skipped, which is harmless).
var importScript = redis.NewScript(luaRecord + luaBucket + `
local p = ARGV[1]
local nrows = tonumber(ARGV[2])
local call, floor, unpack = redis.call, math.floor, unpack
local digit = {}
for j = 1, 36 do digit[j-1] = string.sub('0123456789abcdefghijklmnopqrstuvwxyz', j, j) end
local function b36(n)
  local s = ''
  repeat s = digit[n % 36] .. s; n = floor(n / 36) until n == 0
  return s
end
-- overlay sets the attributes of the packed record rec on t, but skip
local function overlay(t, order, rec, skip)
  for k, v in string.gmatch(rec, '([^\30\31]+)\31([^\30]*)') do
    if k ~= skip then setattr(t, order, k, v) end
  end
end
local sched = p .. ':sched'
local prefix = {p .. ':debtors:', p .. ':debts:'}
-- New records fill their buckets in id order (8 a bucket), so the writes
-- to the current bucket of each kind (1 debtors, 2 debts) are held and
-- made in one HSET when the next bucket starts; reads see them. A write
-- to any other bucket (an existing record) is made at once.
local hnum, hkey, hfv = {-1, -1}, {'', ''}, {{}, {}}
local function flush(k)
  if #hfv[k] > 0 then call('HSET', hkey[k], unpack(hfv[k])); hfv[k] = {} end
end
local function hold(k, num, id, v)
  if num ~= hnum[k] then flush(k); hnum[k] = num; hkey[k] = prefix[k] .. num end
  local fv = hfv[k]
  fv[#fv+1] = id; fv[#fv+1] = v
end
local function getrec(k, key, id)
  if key == hkey[k] then
    local fv = hfv[k]
    for j = #fv - 1, 1, -2 do if fv[j] == id then return fv[j+1] end end
  end
  return call('HGET', key, id)
end
local function put(k, key, id, v)
  if key ~= hkey[k] then call('HSET', key, id, v) return end
  local fv = hfv[k]
  for j = #fv - 1, 1, -2 do if fv[j] == id then fv[j+1] = v return end end
  fv[#fv+1] = id; fv[#fv+1] = v
end
-- ids for new records come from one reservation per batch; the base-36
-- prefix (all digits but the last) is recomputed every 36 ids
local dn = call('HINCRBY', KEYS[1], 'debtor', nrows) - nrows
local tn = call('HINCRBY', KEYS[1], 'debt', nrows) - nrows
local dhi, dhs, thi, ths = -1, '', -1, ''
-- the reply: "debt,debtor,created" of each row, joined by commas, in
-- strings of 100 rows (miniredis's Lua limits table.concat)
local zs, out, o, res = {}, {}, 0, {}
local i = 3
for r = 1, nrows do
  -- cpf index key, cpf, invoice index key, creditor|invoice, schedule ms
  -- ("0": none), packed debtor, packed debt, phones
  local cpfKey, cpf, invKey, ik, at, drec, trec, n = ARGV[i], ARGV[i+1], ARGV[i+2], ARGV[i+3], ARGV[i+4], ARGV[i+5], ARGV[i+6], ARGV[i+7]
  i = i + 8
  -- HSETNX claims the next id in one call when the record is new (the
  -- common case of an import); an existing one is read back.
  local m = dn + 1
  local h = floor(m / 36)
  if h ~= dhi then dhi = h; dhs = h > 0 and b36(h) or '' end
  local pid = dhs .. digit[m % 36]
  local newDebtor = call('HSETNX', cpfKey, cpf, pid) == 1
  if newDebtor then dn = m else pid = call('HGET', cpfKey, cpf) end
  m = tn + 1
  h = floor(m / 36)
  if h ~= thi then thi = h; ths = h > 0 and b36(h) or '' end
  local did = ths .. digit[m % 36]
  local created = call('HSETNX', invKey, ik, did) == 1
  if created then tn = m else did = call('HGET', invKey, ik) end
  local ph = i
  -- (one phone is compared as text: tonumber costs more than the rest)
  if n == '1' then call('HSET', ARGV[i+1], ARGV[i], pid); i = i + 2
  else for j = 1, tonumber(n) do call('HSET', ARGV[i+1], ARGV[i], pid); i = i + 2 end end
  -- debtor: new, or overlaid with the phones and the debt added to its
  -- lists (written as new if its record is gone)
  if newDebtor then
    hold(1, floor(dn / 8), pid, drec .. '\30L\31' .. did)
  else
    local key = prefix[1] .. bucket(pid)
    local cur = getrec(1, key, pid)
    if not cur then
      put(1, key, pid, drec .. '\30L\31' .. did)
    else
      local t, order = unpackrec(cur)
      overlay(t, order, drec, 'ph')
      for j = ph, i - 1, 2 do addlist(t, order, 'ph', ARGV[j]) end
      addlist(t, order, 'L', did)
      local rec = packrec(t, order)
      if rec ~= cur then put(1, key, pid, rec) end
    end
  end
  -- debt: new, or overlaid keeping its debtor, status and reminders; one
  -- whose record is gone is written as new and scheduled unless it has
  -- reminder progress
  if created then
    hold(2, floor(tn / 8), did, trec .. '\30o\31' .. pid)
    if at ~= '0' then zs[#zs+1] = at; zs[#zs+1] = did end
  else
    local key = prefix[2] .. bucket(did)
    local cur = getrec(2, key, did)
    if not cur then
      put(2, key, did, trec .. '\30o\31' .. pid)
      if at ~= '0' and call('HEXISTS', key, did .. '.r') == 0 then call('ZADD', sched, 'NX', at, did) end
    else
      local t, order = unpackrec(cur)
      overlay(t, order, trec, 'o')
      if not t['o'] then setattr(t, order, 'o', pid) end
      local rec = packrec(t, order)
      if rec ~= cur then put(2, key, did, rec) end
    end
  end
  out[o+1] = did; out[o+2] = pid; out[o+3] = created and '1' or '0'; o = o + 3
  if o == 300 then res[#res+1] = table.concat(out, ',', 1, o); o = 0 end
end
if o > 0 then res[#res+1] = table.concat(out, ',', 1, o) end
flush(1)
flush(2)
for j = 1, #zs, 1000 do call('ZADD', sched, unpack(zs, j, math.min(j + 999, #zs))) end
return res`)

// ImportDebts upserts rows, each atomically (and the whole batch in one
// script run): a repeated (creditor, invoice) updates the debt in place and
// keeps its status and reminder progress.
func (s *Store) ImportDebts(ctx context.Context, rows []ImportRow) ([]ImportResult, error) {
	res, err := s.importCmd(ctx, s.rdb, rows, false).StringSlice()
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
		res, err := c.StringSlice()
		if err != nil {
			return nil, fmt.Errorf("import debts: %w", err)
		}
		out[i] = importResults(res)
	}
	return out, nil
}

func (s *Store) importCmd(ctx context.Context, c redis.Scripter, rows []ImportRow, loaded bool) *redis.Cmd {
	args := make([]any, 0, 2+len(rows)*12)
	args = append(args, s.keys.Prefix, len(rows))
	var buf []byte
	for _, r := range rows {
		ik := r.Creditor + "|" + r.Invoice
		buf = r.packDebtor(buf[:0])
		debtor := string(buf)
		buf = r.packDebt(buf[:0])
		args = append(args, s.keys.Index("cpf", r.CPF), r.CPF, s.keys.Index("inv", ik), ik, r.ScheduleAt,
			debtor, string(buf), len(r.Phones))
		for _, p := range r.Phones {
			args = append(args, p, s.keys.Index("phone", p))
		}
	}
	if loaded {
		return importScript.EvalSha(ctx, c, []string{s.keys.Sequences()}, args...)
	}
	return importScript.Run(ctx, c, []string{s.keys.Sequences()}, args...)
}

// importDebtorAttrs and importDebtAttrs are the row attributes packed, in
// this order, after the CPF and phones (debtor) or creditor and invoice
// (debt); attributes of other names follow, sorted.
var (
	importDebtorAttrs = []string{debtorName, debtorBirth, debtorEmail, debtorLang, debtorTZ, debtorChannel, debtorVIP, debtorDelays}
	importDebtAttrs   = []string{debtDesc, debtAmount, debtDue, debtPurchase, debtMethod, debtNosso}
)

// packDebtor packs the row's debtor without its debt list (L), which the
// import script appends.
func (r *ImportRow) packDebtor(b []byte) []byte {
	b = appendAttr(b, debtorCPF, r.CPF)
	switch len(r.Phones) {
	case 0:
	case 1:
		b = appendAttr(b, debtorPhones, r.Phones[0])
	default:
		b = appendAttr(b, debtorPhones, strings.Join(r.Phones, ","))
	}
	return packRow(b, importDebtorAttrs, r.Debtor, debtorCPF, debtorPhones, debtorDebts)
}

// packDebt packs the row's debt without its debtor (o), which the import
// script appends.
func (r *ImportRow) packDebt(b []byte) []byte {
	b = appendAttr(b, debtCreditor, r.Creditor)
	b = appendAttr(b, debtInvoice, r.Invoice)
	return packRow(b, importDebtAttrs, r.Debt, debtCreditor, debtInvoice, debtDebtor)
}

// packRow appends m's attributes: those of attrs in order, then any other
// (sorted) but the reserved ones.
func packRow(b []byte, attrs []string, m map[string]string, reserved ...string) []byte {
	known := 0
	for _, a := range attrs {
		if v, ok := m[a]; ok {
			known++
			b = appendAttr(b, a, v)
		}
	}
	if known == len(m) {
		return b
	}
	var extra []string
	for k := range m {
		if !slices.Contains(attrs, k) && !slices.Contains(reserved, k) && !strings.ContainsAny(k, "\x1e\x1f") {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	for _, k := range extra {
		b = appendAttr(b, k, m[k])
	}
	return b
}

// importResults reads the import script's reply: "debt,debtor,created"
// for each row, joined by commas (ids never hold one), in a few strings.
func importResults(res []string) []ImportResult {
	var out []ImportResult
	for _, r := range res {
		if out == nil {
			out = make([]ImportResult, 0, len(res)*(strings.Count(r, ",")+1)/3)
		}
		for r != "" {
			var did, pid, created string
			did, r, _ = strings.Cut(r, ",")
			pid, r, _ = strings.Cut(r, ",")
			created, r, _ = strings.Cut(r, ",")
			out = append(out, ImportResult{DebtID: did, DebtorID: pid, Created: created == "1"})
		}
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
