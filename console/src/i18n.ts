/**
 * UI language: Vietnamese by default, English on request (kept in localStorage: a preference,
 * nothing secret). Every string the console shows is a key of `vi`; `en` must define the same
 * keys (checked by the type). `{name}` placeholders are filled from params.
 */
import { createContext } from 'preact'
import { useContext } from 'preact/hooks'
import { vi } from './messages-vi'
import { en } from './messages-en'

export type Lang = 'vi' | 'en'
export type MessageKey = keyof typeof vi

const DICTIONARIES: Record<Lang, Record<MessageKey, string>> = { vi, en }
const STORAGE = 'lgsp-console-lang'

export function initialLang(): Lang {
  try {
    return localStorage.getItem(STORAGE) === 'en' ? 'en' : 'vi'
  } catch {
    return 'vi'
  }
}

export function saveLang(lang: Lang): void {
  try {
    localStorage.setItem(STORAGE, lang)
  } catch {}
  document.documentElement.lang = lang
}

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string

export function translator(lang: Lang): Translate {
  const dict = DICTIONARIES[lang]
  return (key, params) => {
    const text = dict[key] ?? vi[key] ?? key
    return params ? text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m)) : text
  }
}

export const LangContext = createContext<{ lang: Lang; t: Translate; setLang(l: Lang): void }>({ lang: 'vi', t: translator('vi'), setLang() {} })
export const useI18n = () => useContext(LangContext)

/** Times as Vietnam sees them (UTC+7), in the UI language's style. */
export function formatTime(lang: Lang, iso: string | null | undefined): string {
  if (!iso) return '—'
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  return new Intl.DateTimeFormat(lang === 'vi' ? 'vi-VN' : 'en-GB', { dateStyle: 'short', timeStyle: 'medium', timeZone: 'Asia/Ho_Chi_Minh' }).format(d)
}

export function formatNumber(lang: Lang, n: number, digits = 0): string {
  return new Intl.NumberFormat(lang === 'vi' ? 'vi-VN' : 'en-GB', { maximumFractionDigits: digits, minimumFractionDigits: 0 }).format(n)
}
