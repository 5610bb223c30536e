import {
  type BudgetDecision,
  type BudgetUsage,
  type EmailBudgetLimits,
  type EmailBudgetStore,
  type HeldEmail,
  windowStart,
} from '../../../lambda/domain/email-budget';
import type { EmailIntent } from '../../../lambda/domain/licenses';

interface Held extends HeldEmail {
  readonly createdAt: string;
  readonly dueAt: number;
}

/** `EmailBudgetStore` in memory, with the DynamoDB adapter's rules (aligned windows, the latest held email wins). */
export class InMemoryEmailBudgetStore implements EmailBudgetStore {
  private readonly windows = new Map<string, { window: number; count: number }>();
  private readonly held = new Map<string, Held>();

  async take(intent: EmailIntent, now: Date, limits: EmailBudgetLimits): Promise<BudgetDecision> {
    const window = windowStart(now, limits.windowMs);
    const recipient = `${intent.orgId}#${intent.recipient.toLowerCase()}`;
    const granted =
      this.count(recipient, window, limits.perRecipient) && this.count(intent.orgId, window, limits.perOrganization);
    const held = this.held.get(recipient);
    const later = held !== undefined && held.createdAt > intent.createdAt;
    if (!granted) {
      if (!later) {
        this.held.set(recipient, {
          orgId: intent.orgId,
          eventId: intent.eventId,
          createdAt: intent.createdAt,
          dueAt: window + limits.windowMs,
        });
      }
      return 'held';
    }
    if (held && !later) this.held.delete(recipient);
    return 'granted';
  }

  async refund(intent: EmailIntent, now: Date, limits: EmailBudgetLimits): Promise<void> {
    const window = windowStart(now, limits.windowMs);
    for (const key of [`${intent.orgId}#${intent.recipient.toLowerCase()}`, intent.orgId]) {
      const counter = this.windows.get(key);
      if (counter?.window === window && counter.count > 0) counter.count--;
    }
  }

  async due(now: Date, limit: number): Promise<HeldEmail[]> {
    return [...this.held.values()]
      .filter((held) => held.dueAt <= now.getTime())
      .slice(0, limit)
      .map(({ orgId, eventId }) => ({ orgId, eventId }));
  }

  async usage(orgId: string, now: Date, limits: EmailBudgetLimits): Promise<BudgetUsage> {
    const counter = this.windows.get(orgId);
    const current = counter?.window === windowStart(now, limits.windowMs) ? counter.count : 0;
    const held = [...this.held.values()].filter((entry) => entry.orgId === orgId).length;
    return { limits, sentThisWindow: current, held };
  }

  private count(key: string, window: number, limit: number): boolean {
    const counter = this.windows.get(key);
    if (!counter || counter.window < window) {
      this.windows.set(key, { window, count: 1 });
      return true;
    }
    if (counter.count >= limit) return false;
    counter.count++;
    return true;
  }
}
