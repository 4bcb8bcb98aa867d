// htm bound to Preact's h: JSX-like templates without a build step (developit/htm).
import { h } from 'preact';
import htm from 'htm';

export const html = htm.bind(h);
