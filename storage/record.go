package storage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/redis/go-redis/v9"
)

// A debtor, and the import data of a debt, is one hash field "<id>" whose
// value packs its attributes as attr US value pairs joined by RS (ASCII
// 0x1f and 0x1e), empty values left out: one field per record instead of
// one per attribute makes an import row two field writes, and the records
// smaller. A debt's attributes that change often stay fields of their own
// ("<id>.s" status, "<id>.r" reminder state, "<id>.O" outcome bits).
const (
	recordSep = '\x1e' // between attributes
	valueSep  = '\x1f' // between an attribute and its value
)

// appendAttr appends one attribute to a packed record (nothing when v is
// empty); separators inside v become spaces.
func appendAttr(b []byte, attr, v string) []byte {
	if v == "" {
		return b
	}
	if len(b) > 0 {
		b = append(b, recordSep)
	}
	b = append(b, attr...)
	b = append(b, valueSep)
	if strings.IndexByte(v, recordSep) < 0 && strings.IndexByte(v, valueSep) < 0 {
		return append(b, v...)
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == recordSep || c == valueSep {
			c = ' '
		}
		b = append(b, c)
	}
	return b
}

// packRecord packs attribute/value pairs (kv: attr, value, attr, value…)
// in the order given, leaving empty values out.
func packRecord(kv ...string) string {
	var b []byte
	for i := 0; i+1 < len(kv); i += 2 {
		b = appendAttr(b, kv[i], kv[i+1])
	}
	return string(b)
}

// packMap packs the attributes of m named in attrs, in that order.
func packMap(b []byte, attrs []string, m map[string]string) []byte {
	for _, a := range attrs {
		b = appendAttr(b, a, m[a])
	}
	return b
}

// unpackRecord reads a packed record back into its attributes.
func unpackRecord(s string) map[string]string {
	out := make(map[string]string, 12)
	for s != "" {
		var kv string
		if i := strings.IndexByte(s, recordSep); i >= 0 {
			kv, s = s[:i], s[i+1:]
		} else {
			kv, s = s, ""
		}
		if k, v, ok := strings.Cut(kv, string(valueSep)); ok && k != "" {
			out[k] = v
		}
	}
	return out
}

// luaRecord are the Lua helpers of the scripts that change packed records
// in place (decode, modify, encode, atomically). \30 and \31 are the
// separators above.
const luaRecord = `
local function unpackrec(s)
  local t, order = {}, {}
  if s then
    for k, v in string.gmatch(s, '([^\30\31]+)\31([^\30]*)') do
      if t[k] == nil then order[#order+1] = k end
      t[k] = v
    end
  end
  return t, order
end
local function setattr(t, order, k, v)
  if t[k] == nil then order[#order+1] = k end
  t[k] = v
end
local function packrec(t, order)
  local parts = {}
  for _, k in ipairs(order) do
    local v = t[k]
    if v and v ~= '' then parts[#parts+1] = k .. '\31' .. v end
  end
  return table.concat(parts, '\30')
end
-- addlist adds v to the comma-separated list attribute k unless it is
-- there already; it reports whether the list changed.
local function addlist(t, order, k, v)
  local l = t[k]
  if not l or l == '' then setattr(t, order, k, v) return true end
  if string.find(',' .. l .. ',', ',' .. v .. ',', 1, true) then return false end
  t[k] = l .. ',' .. v
  return true
end
`

// keepScript writes a record (ARGV[2], packed) over the stored one of id
// ARGV[1], keeping the stored values of the attributes ARGV[3…].
var keepScript = redis.NewScript(luaRecord + `
local rec = ARGV[2]
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur then
  local t = unpackrec(cur)
  for i = 3, #ARGV do
    local v = t[ARGV[i]]
    if v and v ~= '' then
      if rec ~= '' then rec = rec .. '\30' end
      rec = rec .. ARGV[i] .. '\31' .. v
    end
  end
end
redis.call('HSET', KEYS[1], ARGV[1], rec)
return 1`)

// Format is the key holding the portfolio's storage format ("2": packed records).
func (k Keys) Format() string { return k.Prefix + ":format" }

// portfolioFormat is the current value of Keys.Format.
const portfolioFormat = "2"

// MigratePortfolio packs records written in the earlier layout (one field
// "<id>.<attr>" per attribute) into one field "<id>" each, keeping a debt's
// status, reminder state and outcome bits as their own fields, and then
// marks the portfolio as migrated. It returns how many records it packed
// (0 at once when the portfolio is already in the current format). Run it
// at start, before anything reads debts or debtors; each bucket is
// rewritten atomically (WATCH), so a concurrent writer costs a retry, not
// data.
func (s *Store) MigratePortfolio(ctx context.Context) (int, error) {
	f, err := s.rdb.Get(ctx, s.keys.Format()).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return 0, fmt.Errorf("migrate portfolio: %w", err)
	}
	if f == portfolioFormat {
		return 0, nil
	}
	total := 0
	for _, kind := range []struct {
		pattern string
		attrs   []string
	}{{s.keys.Prefix + ":debts:*", debtPacked}, {s.keys.Prefix + ":debtors:*", debtorAttrs}} {
		iter := s.rdb.Scan(ctx, 0, kind.pattern, 500).Iterator()
		for iter.Next(ctx) {
			n, err := s.migrateBucket(ctx, iter.Val(), kind.attrs)
			if err != nil {
				return total, fmt.Errorf("migrate portfolio: %s: %w", iter.Val(), err)
			}
			total += n
		}
		if err := iter.Err(); err != nil {
			return total, fmt.Errorf("migrate portfolio: scan: %w", err)
		}
	}
	if err := s.rdb.Set(ctx, s.keys.Format(), portfolioFormat, 0).Err(); err != nil {
		return total, fmt.Errorf("migrate portfolio: %w", err)
	}
	return total, nil
}

// migrateBucket packs the legacy attribute fields of one bucket.
func (s *Store) migrateBucket(ctx context.Context, key string, attrs []string) (int, error) {
	packed := make(map[string]bool, len(attrs))
	for _, a := range attrs {
		packed[a] = true
	}
	for attempt := 0; attempt < 50; attempt++ {
		n := 0
		err := s.rdb.Watch(ctx, func(tx *redis.Tx) error {
			n = 0
			if t, err := tx.Type(ctx, key).Result(); err != nil || t != "hash" {
				return err
			}
			all, err := tx.HGetAll(ctx, key).Result()
			if err != nil {
				return err
			}
			legacy := map[string]map[string]string{} // id → attr → value
			var del []string
			for f, v := range all {
				i := strings.LastIndexByte(f, '.')
				if i <= 0 || !packed[f[i+1:]] {
					continue
				}
				id := f[:i]
				if legacy[id] == nil {
					legacy[id] = map[string]string{}
				}
				legacy[id][f[i+1:]] = v
				del = append(del, f)
			}
			if len(legacy) == 0 {
				return nil
			}
			set := make([]any, 0, 2*len(legacy))
			for id, vals := range legacy {
				// A record already packed (written since) wins over the
				// legacy fields, which only fill its gaps, but for the
				// lists of debts and wrong numbers, which are merged.
				if cur, ok := all[id]; ok {
					for a, v := range unpackRecord(cur) {
						if a == debtorDebts || a == debtorWrongNos {
							v = mergeList(v, vals[a])
						}
						vals[a] = v
					}
				}
				set = append(set, id, string(packMap(nil, attrs, vals)))
			}
			n = len(legacy)
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.HSet(ctx, key, set...)
				p.HDel(ctx, key, del...)
				return nil
			})
			return err
		}, key)
		if errors.Is(err, redis.TxFailedErr) {
			continue
		}
		return n, err
	}
	return 0, fmt.Errorf("too much contention")
}

// mergeList is the comma-separated list a followed by the items of b it
// lacks.
func mergeList(a, b string) string {
	if b == "" {
		return a
	}
	if a == "" {
		return b
	}
	have := strings.Split(a, ",")
	for _, x := range strings.Split(b, ",") {
		if !slices.Contains(have, x) {
			have = append(have, x)
		}
	}
	return strings.Join(have, ",")
}
