package templates

import "strings"

// metaLanguages are the language codes Meta takes for message templates,
// from "Supported languages" of Meta's message templates reference
// (https://developers.facebook.com/docs/whatsapp/api/messages/message-templates#supported-languages,
// now https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/supported-languages).
// The codes are case-sensitive and use an underscore: pt_BR, never pt or pt-BR.
var metaLanguages = map[string]bool{
	"af": true, "sq": true, "ar": true, "az": true, "bn": true, "bg": true, "ca": true,
	"zh_CN": true, "zh_HK": true, "zh_TW": true, "hr": true, "cs": true, "da": true, "nl": true,
	"en": true, "en_GB": true, "en_US": true, "et": true, "fil": true, "fi": true, "fr": true,
	"ka": true, "de": true, "el": true, "gu": true, "ha": true, "he": true, "hi": true, "hu": true,
	"id": true, "ga": true, "it": true, "ja": true, "kn": true, "kk": true, "rw_RW": true,
	"ko": true, "ky_KG": true, "lo": true, "lv": true, "lt": true, "mk": true, "ms": true,
	"ml": true, "mr": true, "nb": true, "fa": true, "pl": true, "pt_BR": true, "pt_PT": true,
	"pa": true, "ro": true, "ru": true, "sr": true, "sk": true, "sl": true, "es": true,
	"es_AR": true, "es_ES": true, "es_MX": true, "sw": true, "sv": true, "ta": true, "te": true,
	"th": true, "tr": true, "uk": true, "ur": true, "uz": true, "vi": true, "zu": true,
}

// MetaLanguage reports whether code is one of Meta's template languages.
func MetaLanguage(code string) bool { return metaLanguages[code] }

// DefaultLanguages are the Meta codes a template has for each debtor
// language when its entry names none.
var DefaultLanguages = map[string]string{"pt-BR": "pt_BR", "es": "es", "en": "en_US"}

// suggestLanguage is the code an operator probably meant by a wrong one
// (pt → pt_BR, pt-BR → pt_BR, en-us → en_US), "" when there is no guess.
func suggestLanguage(code string) string {
	c := strings.ReplaceAll(strings.TrimSpace(code), "-", "_")
	if lang, region, ok := strings.Cut(c, "_"); ok {
		c = strings.ToLower(lang) + "_" + strings.ToUpper(region)
	} else {
		c = strings.ToLower(c)
	}
	switch {
	case metaLanguages[c] && c != code:
		return c
	case c == "pt":
		return "pt_BR"
	}
	return ""
}
