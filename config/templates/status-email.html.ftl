<#ftl output_format="HTML">
<#-- HTML part of a status email; every value is HTML-escaped. The photos are inline attachments,
     referenced as cid:<name> from body.thumbnails. Variables: see "Email" in the README. -->
<!DOCTYPE html>
<html>
<body style="font-family: sans-serif; color: #222;">
  <h2 style="margin-bottom: 4px;">${body.set}: ${body.statusText}</h2>
  <#if (body.step > 0)>
  <div style="width: 320px; background: #eee; border-radius: 4px;">
    <div style="width: ${(body.step * 40)?c}px; background: #3a7; height: 10px; border-radius: 4px;"></div>
  </div>
  <p style="margin-top: 4px;">Step ${body.step} of ${body.steps}</p>
  </#if>
  <#if body.reason?has_content>
  <p><strong>Reason:</strong> ${body.reason}</p>
  </#if>
  <#if body.photoWarnings?has_content>
  <p><strong>About the photos:</strong></p>
  <ul><#list body.photoWarnings as warning><li>${warning}</li></#list></ul>
  </#if>
  <#if body.advice?has_content>
  <p><strong>What now:</strong> ${body.advice}</p>
  </#if>
  <#if body.samples?has_content>
  <p><strong>Pictures made with your model:</strong></p>
  <table style="border-collapse: collapse;">
    <#list body.samples as sample>
    <tr>
      <td style="padding: 4px;"><#if sample.cid?has_content><img src="cid:${sample.cid}" width="256" height="256" alt="sample ${sample.ordinal}" style="border-radius: 4px;"></#if></td>
      <td style="padding: 4px; font-size: 13px; color: #555; vertical-align: top;">${sample.prompt}<br>seed ${sample.seed}<br>${sample.file}</td>
    </tr>
    </#list>
  </table>
  </#if>
  <#if body.samplesProblem?has_content>
  <p><strong>About the sample pictures:</strong> ${body.samplesProblem}</p>
  </#if>
  <#if body.generateMore?has_content>
  <p style="font-size: 13px;"><strong>Model id:</strong> ${body.modelId}<br><strong>To generate more:</strong> ${body.generateMore}</p>
  </#if>
  <#if body.contactSheet?has_content>
  <p><strong>The photos sent</strong> (a photo the check warns about is framed in orange):</p>
  <p><img src="cid:${body.contactSheet}" width="808" alt="the photos sent" style="max-width: 100%;"></p>
  </#if>
  <p>
  <#list body.thumbnails as cid><img src="cid:${cid}" width="64" height="64" alt="photo ${cid?index + 1}" style="margin-right: 4px; border-radius: 4px;"></#list>
  </p>
  <table style="font-size: 13px; color: #555;">
    <tr><td>Training id</td><td>${body.trainingId}</td></tr>
    <tr><td>Job id</td><td>${body.jobId}</td></tr>
    <tr><td>Received</td><td>${body.created}</td></tr>
    <tr><td>Updated</td><td>${body.updated}</td></tr>
    <tr><td>Results</td><td>${body.results}</td></tr>
  </table>
</body>
</html>
