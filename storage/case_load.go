package storage

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/quita-bot/quita/dialogs"
)

// luaBucket mirrors bucketOf and smallHash for the scripts that find
// records by id themselves.
const luaBucket = `
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
`

// luaLoadCase reads a debtor's record and each of their debts (record and
// status) in the script's own run: the debtor record names its debts, so
// a client needs two round trips for what this does in none. The reply is
// {debtor record, debt id, debt record, debt status, ...}, {} when the
// debtor has no record (false stands for a missing debt record or status).
const luaLoadCase = luaBucket + `
local function loadcase(p, pid)
  if pid == '' then return {} end
  local rec = redis.call('HGET', p .. ':debtors:' .. bucket(pid), pid)
  if not rec then return {} end
  local out = {rec}
  local l = string.match('\30' .. rec, '\30L\31([^\30]*)')
  if l then
    for id in string.gmatch(l, '[^,]+') do
      local v = redis.call('HMGET', p .. ':debts:' .. bucket(id), id, id .. '.s')
      out[#out+1] = id; out[#out+1] = v[1] or false; out[#out+1] = v[2] or false
    end
  end
  return out
end
`

// caseScript loads the debtors ARGV[2…] with their debts (ARGV[1]: the key prefix).
var caseScript = redis.NewScript(luaLoadCase + `
local out = {}
for i = 2, #ARGV do out[#out+1] = loadcase(ARGV[1], ARGV[i]) end
return out`)

// DebtorsWithDebts loads several debtors and all their debts in one round
// trip (none when no id is given); ids[i] == "" or an unknown id gives a
// record that is not Found.
func (s *Store) DebtorsWithDebts(ctx context.Context, ids []string) ([]DebtorRecord, error) {
	out := make([]DebtorRecord, len(ids))
	args := make([]any, 0, 1+len(ids))
	args = append(args, s.keys.Prefix)
	for _, id := range ids {
		if id != "" {
			args = append(args, id)
		}
	}
	if len(args) == 1 {
		return out, nil
	}
	res, err := caseScript.Run(ctx, s.rdb, nil, args...).Slice()
	if err != nil {
		return nil, fmt.Errorf("load debtors: %w", err)
	}
	if len(res) != len(args)-1 {
		return nil, fmt.Errorf("load debtors: %d records for %d ids", len(res), len(args)-1)
	}
	for i, id := range ids {
		if id != "" {
			out[i] = decodeCase(id, res[0])
			res = res[1:]
		}
	}
	return out, nil
}

// decodeCase reads one loadcase reply for the debtor id.
func decodeCase(id string, v any) DebtorRecord {
	vals, _ := v.([]any)
	if len(vals) == 0 {
		return DebtorRecord{}
	}
	rec, _ := vals[0].(string)
	r := DebtorRecord{Found: true, Debtor: debtorOf(id, unpackRecord(rec))}
	for j := 1; j+3 <= len(vals); j += 3 {
		debtID, _ := vals[j].(string)
		if d, ok := debtOf(debtID, vals[j+1:j+3]); ok {
			r.Debts = append(r.Debts, d)
		}
	}
	return r
}

// reminderScript reads what a reminder's dispatch starts from: the debt
// ARGV[2] (record, status, reminder state) and its debtor's record (ARGV[1]:
// the key prefix). A missing value is false.
var reminderScript = redis.NewScript(luaBucket + `
local p, id = ARGV[1], ARGV[2]
local v = redis.call('HMGET', p .. ':debts:' .. bucket(id), id, id .. '.s', id .. '.r')
local debtor = false
if v[1] then
  local pid = string.match('\30' .. v[1], '\30o\31([^\30]*)')
  if pid and pid ~= '' then debtor = redis.call('HGET', p .. ':debtors:' .. bucket(pid), pid) or false end
end
return {v[1] or false, v[2] or false, v[3] or false, debtor}`)

// DebtForReminder loads, in one round trip, a debt, its reminder progress
// and its debtor: ErrNotFound when the debt has no record; found is false
// when the debtor has none.
func (s *Store) DebtForReminder(ctx context.Context, id string) (d dialogs.Debt, rs ReminderState, debtor dialogs.Debtor, found bool, err error) {
	v, err := reminderScript.Run(ctx, s.rdb, nil, s.keys.Prefix, id).Slice()
	if err != nil {
		return d, rs, debtor, false, fmt.Errorf("load debt for reminder: %w", err)
	}
	if len(v) != 4 {
		return d, rs, debtor, false, fmt.Errorf("load debt for reminder: %d values, want 4", len(v))
	}
	d, ok := debtOf(id, v[:2])
	if !ok {
		return d, rs, debtor, false, ErrNotFound
	}
	if r, ok := v[2].(string); ok {
		rs = decodeReminderState(r)
	}
	if rec, ok := v[3].(string); ok {
		debtor, found = debtorOf(d.DebtorID, unpackRecord(rec)), true
	}
	return d, rs, debtor, found, nil
}
