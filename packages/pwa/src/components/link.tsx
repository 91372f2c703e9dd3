import type { JSX } from 'solid-js';
import { useApp } from '../app-context';

/** An in-app link: a real <a href> (works without JS, opens in a new tab) that navigates with pushState. */
export function Link(props: {
  href: string;
  class?: string;
  children: JSX.Element;
  'aria-current'?: 'page' | undefined;
}) {
  const app = useApp();
  return (
    <a
      href={props.href}
      class={props.class}
      aria-current={props['aria-current']}
      onClick={(e) => {
        if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        app.navigate(props.href);
      }}
    >
      {props.children}
    </a>
  );
}
