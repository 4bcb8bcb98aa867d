/**
 * The security provider checks (docs/conformance.md lists each with its source): mutual TLS
 * (security-tls-checks.ts) and XUA (security-xua-checks.ts). Without `--security` each is
 * `skipped`; their material comes from security-material.ts `loadProviderSecurity`.
 */
import type { ProviderCheck } from './provider-check.js';
import { tlsChecks } from './security-tls-checks.js';
import { xuaChecks } from './security-xua-checks.js';

/** In the order the report shows them. */
export const securityChecks: readonly ProviderCheck[] = [...tlsChecks, ...xuaChecks];
