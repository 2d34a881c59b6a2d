<#-- The subject line. Line breaks and control characters are removed after rendering. -->
[DreamDrop] ${body.set}: ${body.statusText}
