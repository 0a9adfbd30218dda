/**
 * A row's actions behind one menu button (issue 16 item 1: tables fit from 1024 px up): the WAI-ARIA
 * menu button pattern. The trigger says what it is for ("Actions for Zapier"); Enter, Space or the
 * down arrow open it on its first item, the up arrow on its last; arrows, Home and End move; Escape
 * closes and gives focus back to the trigger; Tab closes. The menu is placed with fixed coordinates
 * next to the trigger, inside the viewport, so a table's scroll box never clips it.
 */
import { type KeyboardEvent, useCallback, useEffect, useId, useLayoutEffect, useRef, useState } from "react";

export interface MenuItem {
  label: string;
  onSelect: () => void;
  danger?: boolean;
  disabled?: boolean;
}

function itemsOf(menu: HTMLElement | null): HTMLButtonElement[] {
  return [...(menu?.querySelectorAll<HTMLButtonElement>('[role="menuitem"]:not(:disabled)') ?? [])];
}

export function RowMenu({ label, items }: { label: string; items: MenuItem[] }) {
  const [open, setOpen] = useState<false | "first" | "last">(false);
  const [pos, setPos] = useState<{ top: number; left: number } | null>(null);
  const trigger = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);
  const id = useId();

  const close = useCallback((refocus: boolean) => {
    setOpen(false);
    setPos(null);
    if (refocus) trigger.current?.focus();
  }, []);

  // Placed below the trigger, right edges aligned; above it when there is no room below.
  useLayoutEffect(() => {
    if (!open || !trigger.current || !menu.current) return;
    const t = trigger.current.getBoundingClientRect();
    const m = menu.current.getBoundingClientRect();
    const left = Math.max(8, Math.min(t.right - m.width, window.innerWidth - m.width - 8));
    const below = t.bottom + 4;
    const top = below + m.height > window.innerHeight - 8 ? Math.max(8, t.top - 4 - m.height) : below;
    setPos({ top, left });
  }, [open]);

  // Focus moves in once the menu is placed (a hidden element cannot take focus).
  useEffect(() => {
    if (!open || !pos || menu.current?.contains(document.activeElement)) return;
    const list = itemsOf(menu.current);
    // Without preventScroll, focusing an item the page must scroll to would fire the scroll that closes the menu.
    (open === "last" ? list[list.length - 1] : list[0])?.focus({ preventScroll: true });
  }, [open, pos]);

  useEffect(() => {
    if (!open) return;
    const away = (e: Event) => {
      const target = e.target as Node;
      if (!menu.current?.contains(target) && !trigger.current?.contains(target)) close(false);
    };
    const gone = () => close(false);
    // The menu is placed where its trigger was: it closes once the trigger has moved, not on a
    // scroll elsewhere that leaves it in place (a dialog giving focus back, a panel scrolling).
    const at = trigger.current?.getBoundingClientRect();
    const moved = () => {
      const now = trigger.current?.getBoundingClientRect();
      if (!at || !now || Math.abs(now.top - at.top) > 1 || Math.abs(now.left - at.left) > 1) close(false);
    };
    document.addEventListener("pointerdown", away);
    window.addEventListener("resize", gone);
    window.addEventListener("scroll", moved, true);
    return () => {
      document.removeEventListener("pointerdown", away);
      window.removeEventListener("resize", gone);
      window.removeEventListener("scroll", moved, true);
    };
  }, [open, close]);

  const onMenuKey = (e: KeyboardEvent) => {
    const list = itemsOf(menu.current);
    const i = list.indexOf(document.activeElement as HTMLButtonElement);
    const go = (n: number) => {
      e.preventDefault();
      list[(n + list.length) % list.length]?.focus({ preventScroll: true });
    };
    if (e.key === "ArrowDown") go(i + 1);
    else if (e.key === "ArrowUp") go(i - 1);
    else if (e.key === "Home") go(0);
    else if (e.key === "End") go(list.length - 1);
    else if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      close(true);
    } else if (e.key === "Tab") close(false);
  };

  return (
    <>
      <button
        ref={trigger}
        type="button"
        className="button button-small menu-trigger"
        aria-haspopup="menu"
        aria-expanded={Boolean(open)}
        aria-controls={open ? id : undefined}
        aria-label={label}
        onClick={() => (open ? close(false) : setOpen("first"))}
        onKeyDown={(e) => {
          if (e.key === "Escape" && open) {
            e.preventDefault();
            close(true);
          } else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
            e.preventDefault();
            setOpen(e.key === "ArrowDown" ? "first" : "last");
          }
        }}
      >
        <span aria-hidden="true">⋯</span>
      </button>
      {open ? (
        <div
          ref={menu}
          id={id}
          role="menu"
          aria-label={label}
          className="menu"
          style={pos ? { top: pos.top, left: pos.left } : { visibility: "hidden", top: 0, left: 0 }}
          onKeyDown={onMenuKey}
        >
          {items.map((item) => (
            <button
              key={item.label}
              type="button"
              role="menuitem"
              tabIndex={-1}
              disabled={item.disabled}
              className={item.danger ? "menu-item menu-item-danger" : "menu-item"}
              onClick={() => {
                // Focus goes back to the trigger first: a dialog the item opens returns it there.
                close(true);
                item.onSelect();
              }}
            >
              {item.label}
            </button>
          ))}
        </div>
      ) : null}
    </>
  );
}
