  // --- sideways scrolling with a visible cue ---------------------------------------------

  /**
   * Mark `frame` while `scroller` has more to show to the right or left (CSS fades that edge
   * and shadows the sticky name column), and keep `hint` saying so; returns the updater, to
   * call again when the content changes.
   */
  function scrollCue(frame, scroller, hint, describe) {
    const update = () => {
      const max = scroller.scrollWidth - scroller.clientWidth;
      const right = max > 1 && scroller.scrollLeft < max - 1;
      const left = max > 1 && scroller.scrollLeft > 1;
      frame.toggleAttribute("data-more-right", right);
      frame.toggleAttribute("data-more-left", left);
      if (hint) {
        hint.hidden = max <= 1;
        if (max > 1) hint.textContent = describe(right);
      }
    };
    scroller.addEventListener("scroll", update, { passive: true });
    redrawers.push(update);
    update();
    return update;
  }

